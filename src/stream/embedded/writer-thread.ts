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
import type { Worker } from 'node:worker_threads';
import { siblingModule, spawnWorker } from '../../ops/spawn-worker.js';
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
export type WriterReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

/**
 * Raised for the requests a thread had not answered when it failed or exited, and for
 * requests made while no thread is up (a new one is on its way unless the writer is
 * closed). The request may be retried once a thread is up again.
 */
export class WriterThreadError extends Error {
  override name = 'WriterThreadError';
}

/** What happened to the writer's thread, for logs and tests. */
export type WriterThreadEvent =
  /** A thread failed; the next one starts after `delayMs` (`attempt`: consecutive failures). */
  | { type: 'failed'; error: WriterThreadError; attempt: number; delayMs: number }
  /** A thread started after a failure has opened the database and takes requests. */
  | { type: 'restarted'; restarts: number };

/** Options of the writer thread; defaults in brackets. */
export interface WriterThreadOptions {
  /** Wait before starting a new thread after the first failure [100 ms]; doubles per failure. */
  restartDelayMs?: number;
  /** Upper bound of that wait [5 s]. */
  maxRestartDelayMs?: number;
  /** Told of every failure and restart (never after close()); must not throw. */
  onEvent?: (e: WriterThreadEvent) => void;
}

const DEFAULT_RESTART_DELAY_MS = 100;
const DEFAULT_MAX_RESTART_DELAY_MS = 5000;

type Waiter = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** One started thread, from spawn to exit, with the waiters of the requests sent to it. */
class Thread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  /** Why the thread is unusable; set once, when it failed or exited. */
  failure: WriterThreadError | undefined;
  /** The database is open and no failure happened yet. */
  up = false;
  /** Settles when the thread opened the database or could not. */
  readonly opened: Promise<void>;
  /** Resolves once the thread has exited (its connection closed). */
  readonly exited: Promise<void>;

  /**
   * Starts the thread. `holdOpen`: the process stays alive while it opens (a caller awaits
   * it); a restart in the background does not hold it. `failed` is called once, on the
   * first failure; `answered` after each successful reply to a request.
   */
  constructor(
    opts: StreamWriterOptions,
    holdOpen: boolean,
    private readonly failed: (t: Thread) => void,
    private readonly answered: () => void,
  ) {
    this.worker = spawnWorker(siblingModule(import.meta.url, 'writer-thread-main'), opts);
    if (!holdOpen) this.worker.unref();
    this.opened = new Promise<void>((resolve, reject) => {
      this.waiting.set(0, { resolve: () => resolve(), reject });
    });
    this.opened.catch(() => {});
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.fail(new WriterThreadError(`the stream writer thread exited (code ${code})`));
        resolve();
      });
    });
    this.worker.on('message', (m: WriterReply) => this.settle(m));
    this.worker.on('error', (err) => this.fail(new WriterThreadError(err.message, { cause: err })));
  }

  request(msg: WriterRequest, transfer?: ArrayBuffer[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<unknown>((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(msg.id, { resolve, reject });
      this.worker.postMessage(msg, transfer);
    });
  }

  /** Sends a message that gets no answer. */
  post(msg: WriterRequest): void {
    this.worker.postMessage(msg);
  }

  /** Ends the thread and waits until it has exited. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }

  private settle(m: WriterReply): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (m.id === 0) {
      if (m.ok) {
        this.up = true;
        w.resolve(undefined);
      } else {
        // the thread stays alive answering errors after a failed open: end it
        this.fail(new WriterThreadError(m.error), w);
        void this.worker.terminate();
      }
      return;
    }
    if (m.ok) {
      w.resolve(m.value);
      this.answered();
    } else w.reject(new Error(m.error));
  }

  /** Rejects every outstanding request (and `also`) with `err` and reports the failure once. */
  private fail(err: WriterThreadError, also?: Waiter): void {
    if (this.failure) return;
    this.failure = err;
    this.up = false;
    const all = [...this.waiting.values()];
    this.waiting.clear();
    this.worker.unref();
    also?.reject(err);
    for (const w of all) w.reject(err);
    this.failed(this);
  }
}

/**
 * The writer on its own thread, restarted after every failure until close() (see the top
 * of this file). Requests made while no thread is up reject with WriterThreadError.
 */
export class WriterThread implements Writer {
  private restartCount = 0;
  /** The latest thread; undefined when the last one could not even be created. */
  private thread: Thread | undefined;
  private lastFailure: WriterThreadError | undefined;
  private state: 'starting' | 'running' | 'closed' = 'starting';
  /** Consecutive failures; a successful reply resets it. */
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private readonly restartDelayMs: number;
  private readonly maxRestartDelayMs: number;

  private constructor(
    private readonly opts: StreamWriterOptions,
    private readonly options: WriterThreadOptions,
  ) {
    this.restartDelayMs = options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS;
    this.maxRestartDelayMs = Math.max(
      this.restartDelayMs,
      options.maxRestartDelayMs ?? DEFAULT_MAX_RESTART_DELAY_MS,
    );
  }

  /** Starts the thread and waits until its connection is open; rejects when it cannot open. */
  static async start(
    opts: StreamWriterOptions,
    options: WriterThreadOptions = {},
  ): Promise<WriterThread> {
    const w = new WriterThread(opts, options);
    const t = w.spawn(true);
    w.thread = t;
    try {
      await t.opened;
    } catch (err) {
      w.state = 'closed';
      await t.terminate();
      throw err;
    }
    w.state = 'running';
    // a failure between the open and this line found the writer still starting
    if (t.failure) w.scheduleRestart(t.failure, t.exited);
    return w;
  }

  /** Threads started after a failure so far (attempts, whether or not they opened). */
  get restarts(): number {
    return this.restartCount;
  }

  /** A thread is up and takes requests. */
  get up(): boolean {
    return this.state === 'running' && this.thread?.up === true;
  }

  private spawn(holdOpen: boolean): Thread {
    const t: Thread = new Thread(
      this.opts,
      holdOpen,
      () => {
        if (t === this.thread) this.scheduleRestart(t.failure!, t.exited);
      },
      () => {
        this.failures = 0;
      },
    );
    return t;
  }

  /** The current thread failed with `error`: starts the next one after the back-off, once it has `exited`. */
  private scheduleRestart(error: WriterThreadError, exited: Promise<void>): void {
    if (this.state !== 'running') return;
    this.lastFailure = error;
    this.failures++;
    const delayMs = Math.min(
      this.maxRestartDelayMs,
      this.restartDelayMs * 2 ** Math.min(this.failures - 1, 30),
    );
    this.options.onEvent?.({ type: 'failed', error, attempt: this.failures, delayMs });
    void exited.then(() => {
      if (this.state !== 'running') return;
      this.timer = setTimeout(() => this.restart(), delayMs);
      this.timer.unref();
    });
  }

  private restart(): void {
    this.timer = undefined;
    if (this.state !== 'running') return;
    this.restartCount++;
    let t: Thread;
    try {
      t = this.spawn(false);
    } catch (err) {
      this.thread = undefined;
      this.scheduleRestart(
        new WriterThreadError(`the stream writer thread did not start: ${err}`, { cause: err }),
        Promise.resolve(),
      );
      return;
    }
    this.thread = t;
    t.opened.then(
      () => {
        if (this.state === 'running' && this.thread === t)
          this.options.onEvent?.({ type: 'restarted', restarts: this.restarts });
      },
      () => {},
    );
  }

  private call(msg: WriterRequest, transfer?: ArrayBuffer[]): Promise<unknown> {
    const t = this.thread;
    if (this.state === 'closed')
      return Promise.reject(new WriterThreadError('the stream writer is closed'));
    if (!t?.up) {
      return Promise.reject(
        new WriterThreadError(
          `the stream writer thread is restarting after: ${this.lastFailure?.message}`,
          { cause: this.lastFailure },
        ),
      );
    }
    return t.request(msg, transfer);
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

  /**
   * Test hook, never for production: makes the current thread die as a crash would
   * (`terminate` ends it from this thread). The writer then restarts it as after any failure.
   */
  crashForTesting(mode: CrashMode | 'terminate'): void {
    const t = this.thread;
    if (!this.up || !t) throw new Error('no writer thread is up');
    if (mode === 'terminate') void t.terminate();
    else t.post({ id: this.nextId++, op: 'crash', mode });
  }

  /** Waits for the requests already sent, closes the connection and ends the thread; no restart follows. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const t = this.thread;
    if (!t) return;
    if (t.up) await t.request({ id: this.nextId++, op: 'close' }).catch(() => {});
    await t.terminate();
  }
}
