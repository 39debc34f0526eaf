/**
 * Shopping staging on a worker thread: the transcoding (the lake writer's main CPU cost
 * in JavaScript) runs beside the thread that reads the stream and drives DuckDB, so on a
 * machine with more than one core the three overlap. Requests are answered in order.
 *
 * The thread heals itself: when it dies other than through close() (a crash, an uncaught
 * error, an exit, a terminate), the requests it had not answered reject with
 * StagingThreadError and a new thread is started after a back-off that doubles with each
 * consecutive failure (100 ms to 5 s by default). While no thread is up, `up` is false and
 * the caller stages inline; a new thread counts as up once it has said it is ready.
 */
import {
  RestartingWorker,
  type RestartOptions,
  type WorkerEvent,
  type WorkerReply,
} from '../../ops/restarting-worker.js';
import { siblingModule } from '../../ops/spawn-worker.js';
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

/** How the test hook makes the thread die: `exit` calls process.exit in it, `throw` raises an uncaught error there, `terminate` ends it from this thread. */
export type StagingCrashMode = 'exit' | 'throw' | 'terminate';

/** A message to the staging thread. */
export type StagingRequest =
  | { op: 'stage'; id: number; records: PackedRecords; files: ShoppingStagingFiles }
  /** Test hook only (StagingThread.crashForTesting); never answered. */
  | { op: 'crash'; id: number; mode: Exclude<StagingCrashMode, 'terminate'> };

/** The thread's answer to request `id`; id 0 (always ok) says the thread is ready. */
export type StagingReply = WorkerReply;

/**
 * The staging thread died before answering (or there is none up, or it is closed). Not
 * the records' fault: the request may be retried, inline or once a new thread is up.
 */
export class StagingThreadError extends Error {
  override name = 'StagingThreadError';
}

/** What happened to the staging thread, for logs and tests. */
export type StagingThreadEvent = WorkerEvent<StagingThreadError>;

/** Options of the staging thread; defaults in brackets (see restarting-worker.ts). */
export type StagingThreadOptions = RestartOptions<StagingThreadError>;

/**
 * The staging thread, restarted after every failure until close() (see the top of this
 * file). Callers check `up` before each request and stage inline while it is false.
 */
export class StagingThread {
  private constructor(private readonly worker: RestartingWorker<StagingThreadError>) {}

  /**
   * Starts the thread and waits until it is ready. Never rejects for the thread's sake: a
   * thread that fails to start is reported through `onEvent` and restarted like any other.
   */
  static async start(options: StagingThreadOptions = {}): Promise<StagingThread> {
    const worker = await RestartingWorker.start(
      {
        ...options,
        entry: siblingModule(import.meta.url, 'staging-thread-main'),
        label: 'the staging thread',
        error: StagingThreadError,
      },
      false,
    );
    return new StagingThread(worker);
  }

  /** Threads started after a failure so far (attempts, whether or not they became ready). */
  get restarts(): number {
    return this.worker.restarts;
  }

  /** A thread is up and takes requests; while false, callers stage inline. */
  get up(): boolean {
    return this.worker.up;
  }

  /**
   * Stages `records` into `files` on the thread. Rejects with StagingThreadError when the
   * thread dies first or none is up, and with an Error naming the record when one is bad.
   */
  async stage(records: readonly StagedInput[], files: ShoppingStagingFiles): Promise<void> {
    const packed = packRecords(records);
    const msg: StagingRequest = { op: 'stage', id: this.worker.id(), records: packed, files };
    await this.worker.request(msg, [
      packed.bytes,
      packed.ends.buffer as ArrayBuffer,
      packed.shards.buffer as ArrayBuffer,
      packed.seqs.buffer as ArrayBuffer,
    ]);
  }

  /**
   * Test hook, never for production: makes the current thread die as a crash would. Requests
   * sent after it (before the death is seen) reject too. The thread then restarts as after
   * any failure.
   */
  crashForTesting(mode: StagingCrashMode): void {
    const msg: StagingRequest | 'terminate' =
      mode === 'terminate' ? mode : { op: 'crash', id: this.worker.id(), mode };
    this.worker.crashForTesting(msg);
  }

  /** Ends the thread (requests it had not answered reject); no restart follows. */
  close(): Promise<void> {
    return this.worker.close();
  }
}
