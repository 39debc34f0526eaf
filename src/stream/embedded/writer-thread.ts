/**
 * The embedded stream's writer in a worker thread: the group-commit transaction and its
 * fsync run there, so the event loop keeps parsing requests while the disk works. The
 * thread holds the process open only while a request is outstanding.
 *
 * The writer heals itself: when its thread dies other than through close() (a crash, an
 * uncaught error, an exit, a terminate), the requests it had not answered reject with
 * WriterThreadError and a new thread is started after a back-off that doubles with each
 * consecutive failure; until it is up, requests reject at once. A rejected write was
 * never acknowledged, so its caller retries it: if it did commit before the thread died,
 * its dedupe claims committed in the same transaction and the retry counts its records as
 * duplicates (within the dedupe window). A transaction the dead thread left open never
 * committed, so WAL readers never see it and it is rolled back when the thread's
 * connection closes; the new thread re-reads sequences inside each write transaction, so
 * numbering continues without gaps or duplicates.
 */
import {
  RestartingWorker,
  type RestartOptions,
  type WorkerEvent,
  type WorkerReply,
} from '../../ops/restarting-worker.js';
import { siblingModule } from '../../ops/spawn-worker.js';
import type { StreamWriterOptions, WriteRequest, Writer } from './stream-writer.js';

/**
 * How the test hook makes the thread die: `exit` calls process.exit inside it, `throw`
 * raises an uncaught error there, `exit-after-next-write` exits once the next write has
 * committed and before its reply is sent (a lost acknowledgement).
 */
export type CrashMode = 'exit' | 'throw' | 'exit-after-next-write';

/** A message to the writer thread. */
export type WriterRequest =
  | { id: number; op: 'write'; req: WriteRequest }
  | { id: number; op: 'trim'; cutoff: number }
  | { id: number; op: 'expire'; cutoff: number }
  | { id: number; op: 'close' }
  /** Test hook only (WriterThread.crashForTesting); never answered. */
  | { id: number; op: 'crash'; mode: CrashMode };

/** The thread's answer to request `id` (0: the outcome of opening the database). */
export type WriterReply = WorkerReply;

/**
 * Raised for the requests a thread had not answered when it failed or exited, and for
 * requests made while no thread is up (a new one is on its way unless the writer is
 * closed). The request may be retried once a thread is up again.
 */
export class WriterThreadError extends Error {
  override name = 'WriterThreadError';
}

/** What happened to the writer's thread, for logs and tests. */
export type WriterThreadEvent = WorkerEvent<WriterThreadError>;

/** Options of the writer thread; defaults in brackets (see restarting-worker.ts). */
export type WriterThreadOptions = RestartOptions<WriterThreadError>;

/**
 * The writer on its own thread, restarted after every failure until close() (see the top
 * of this file). Requests made while no thread is up reject with WriterThreadError.
 */
export class WriterThread implements Writer {
  private constructor(private readonly worker: RestartingWorker<WriterThreadError>) {}

  /** Starts the thread and waits until its connection is open; rejects when it cannot open. */
  static async start(
    opts: StreamWriterOptions,
    options: WriterThreadOptions = {},
  ): Promise<WriterThread> {
    const worker = await RestartingWorker.start(
      {
        ...options,
        entry: siblingModule(import.meta.url, 'writer-thread-main'),
        workerData: opts,
        label: 'the stream writer thread',
        error: WriterThreadError,
      },
      true,
    );
    return new WriterThread(worker);
  }

  /** Threads started after a failure so far (attempts, whether or not they opened). */
  get restarts(): number {
    return this.worker.restarts;
  }

  /** A thread is up and takes requests. */
  get up(): boolean {
    return this.worker.up;
  }

  write(req: WriteRequest): Promise<number[]> {
    const buf = req.records.buffer;
    // only a buffer of its own can move to the thread; a view into a shared pool is copied
    const own =
      buf instanceof ArrayBuffer &&
      req.records.byteOffset === 0 &&
      req.records.length === buf.byteLength;
    const msg: WriterRequest = { id: this.worker.id(), op: 'write', req };
    return this.worker.request(msg, own ? [buf] : undefined) as Promise<number[]>;
  }

  trim(cutoff: number): Promise<number> {
    const msg: WriterRequest = { id: this.worker.id(), op: 'trim', cutoff };
    return this.worker.request(msg) as Promise<number>;
  }

  expireDedupe(cutoff: number): Promise<void> {
    const msg: WriterRequest = { id: this.worker.id(), op: 'expire', cutoff };
    return this.worker.request(msg) as Promise<void>;
  }

  /**
   * Test hook, never for production: makes the current thread die as a crash would
   * (`terminate` ends it from this thread). The writer then restarts it as after any failure.
   */
  crashForTesting(mode: CrashMode | 'terminate'): void {
    const msg: WriterRequest | 'terminate' =
      mode === 'terminate' ? mode : { id: this.worker.id(), op: 'crash', mode };
    this.worker.crashForTesting(msg);
  }

  /** Waits for the requests already sent, closes the connection and ends the thread; no restart follows. */
  close(): Promise<void> {
    const msg: WriterRequest = { id: this.worker.id(), op: 'close' };
    return this.worker.close(msg);
  }
}
