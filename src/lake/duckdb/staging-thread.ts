/**
 * Shopping staging on a worker thread: the transcoding (the lake writer's main CPU cost
 * in JavaScript) runs beside the thread that reads the stream and drives DuckDB, so on a
 * machine with more than one core the three overlap. Requests are answered in order.
 */
import type { Worker } from 'node:worker_threads';
import { siblingModule, spawnWorker } from '../../ops/spawn-worker.js';
import type { ShoppingStagingFiles, StagedInput } from './shopping-staging.js';

/**
 * Records of one request packed for the move to the thread: every record's bytes in one
 * buffer that is transferred, not copied, and its position in typed arrays. A plain
 * array of records would be cloned one backing store per record, which cost more than
 * the transcoding it fed once the thread had to collect them all again.
 */
export interface PackedRecords {
  bytes: ArrayBuffer;
  /** Record i is bytes[ends[i - 1] ?? 0, ends[i]). */
  ends: Uint32Array;
  shards: Int32Array;
  seqs: Float64Array;
}

export interface StagingRequest {
  id: number;
  records: PackedRecords;
  files: ShoppingStagingFiles;
}

/** Packs `records` for the thread (see PackedRecords). */
export function packRecords(records: readonly StagedInput[]): PackedRecords {
  let total = 0;
  for (const r of records) total += r.data.byteLength;
  const bytes = new ArrayBuffer(total);
  const view = new Uint8Array(bytes);
  const ends = new Uint32Array(records.length);
  const shards = new Int32Array(records.length);
  const seqs = new Float64Array(records.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    view.set(r.data, at);
    at += r.data.byteLength;
    ends[i] = at;
    shards[i] = r.shard;
    seqs[i] = r.seq;
  }
  return { bytes, ends, shards, seqs };
}

/** The records of a PackedRecords, as views into its buffer. */
export function unpackRecords(p: PackedRecords): StagedInput[] {
  const out: StagedInput[] = new Array(p.ends.length);
  let start = 0;
  for (let i = 0; i < p.ends.length; i++) {
    const end = p.ends[i]!;
    out[i] = {
      shard: p.shards[i]!,
      seq: p.seqs[i]!,
      data: new Uint8Array(p.bytes, start, end - start),
    };
    start = end;
  }
  return out;
}

export type StagingReply = { id: number; ok: true } | { id: number; ok: false; error: string };

type Waiter = { resolve: () => void; reject: (e: Error) => void };

export class StagingThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor() {
    this.worker = spawnWorker(siblingModule(import.meta.url, 'staging-thread-main'), undefined);
    this.worker.unref();
    this.worker.on('message', (m: StagingReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (m.ok) w.resolve();
      else w.reject(new Error(m.error));
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const w of this.waiting.values()) w.reject(this.failure);
      this.waiting.clear();
    };
    this.worker.on('error', (err) => fail(new Error(`the staging thread failed: ${err.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`the staging thread exited (code ${code})`)));
  }

  /** True until the thread has failed or exited; then callers stage inline. */
  get alive(): boolean {
    return this.failure === undefined;
  }

  /** Stages `records` into `files` on the thread. Rejects with the thread's error. */
  stage(records: readonly StagedInput[], files: ShoppingStagingFiles): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const packed = packRecords(records);
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, records: packed, files } satisfies StagingRequest, [
        packed.bytes,
        packed.ends.buffer as ArrayBuffer,
        packed.shards.buffer as ArrayBuffer,
        packed.seqs.buffer as ArrayBuffer,
      ]);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
