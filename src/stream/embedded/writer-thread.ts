/**
 * The embedded stream's writer in a worker thread: the group-commit transaction and its
 * fsync run there, so the event loop keeps parsing requests while the disk works. The
 * thread holds the process open only while a request is outstanding.
 */
import type { Worker } from 'node:worker_threads';
import { siblingModule, spawnWorker } from '../../ops/spawn-worker.js';
import type { StreamWriterOptions, WriteRequest, Writer } from './stream-writer.js';

/** A message to the writer thread. */
export type WriterRequest =
  | { id: number; op: 'write'; req: WriteRequest }
  | { id: number; op: 'trim'; cutoff: number }
  | { id: number; op: 'expire'; cutoff: number }
  | { id: number; op: 'close' };

/** The thread's answer to request `id` (0: the outcome of opening the database). */
export type WriterReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

/** Raised for every outstanding and later request once the thread has failed or exited. */
export class WriterThreadError extends Error {
  override name = 'WriterThreadError';
}

type Waiter = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** Starts the thread (see spawn-worker.ts for how it loads under tsx). */
function spawn(opts: StreamWriterOptions): Worker {
  return spawnWorker(siblingModule(import.meta.url, 'writer-thread-main'), opts);
}

export class WriterThread implements Writer {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private failure: Error | undefined;
  private exited = false;

  private constructor(opts: StreamWriterOptions) {
    this.worker = spawn(opts);
    this.worker.unref();
    this.worker.on('message', (m: WriterReply) => this.settle(m));
    this.worker.on('error', (err) => this.fail(new WriterThreadError(err.message, { cause: err })));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.fail(new WriterThreadError(`the stream writer thread exited (code ${code})`));
    });
  }

  /** Starts the thread and waits until its connection is open; rejects when it cannot open. */
  static async start(opts: StreamWriterOptions): Promise<WriterThread> {
    const t = new WriterThread(opts);
    try {
      await t.request(0, undefined);
    } catch (err) {
      await t.worker.terminate();
      throw err;
    }
    return t;
  }

  private request(id: number, msg: WriterRequest | undefined, transfer?: ArrayBuffer[]) {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<unknown>((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      if (msg) this.worker.postMessage(msg, transfer);
    });
  }

  private settle(m: WriterReply): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (m.ok) w.resolve(m.value);
    else w.reject(new Error(m.error));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const all = [...this.waiting.values()];
    this.waiting.clear();
    this.worker.unref();
    for (const w of all) w.reject(this.failure);
  }

  private call(msg: WriterRequest, transfer?: ArrayBuffer[]): Promise<unknown> {
    return this.request(msg.id, msg, transfer);
  }

  write(req: WriteRequest): Promise<number[]> {
    const buf = req.records.buffer;
    // only a buffer of its own can move to the thread; a view into a shared pool is copied
    const own =
      buf instanceof ArrayBuffer &&
      req.records.byteOffset === 0 &&
      req.records.length === buf.byteLength;
    return this.call({ id: this.nextId++, op: 'write', req }, own ? [buf] : undefined) as Promise<
      number[]
    >;
  }

  trim(cutoff: number): Promise<number> {
    return this.call({ id: this.nextId++, op: 'trim', cutoff }) as Promise<number>;
  }

  expireDedupe(cutoff: number): Promise<void> {
    return this.call({ id: this.nextId++, op: 'expire', cutoff }) as Promise<void>;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    if (!this.failure) await this.call({ id: this.nextId++, op: 'close' }).catch(() => {});
    await this.worker.terminate();
  }
}
