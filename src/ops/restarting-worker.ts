/**
 * A worker thread that heals itself, shared by the embedded stream's writer thread and the
 * lake's staging thread. Requests carry an `id` and the thread answers each with
 * `{ id, ok: true, value }` or `{ id, ok: false, error }`; its first message, `{ id: 0 }`,
 * says whether it opened (a failed open ends that thread).
 *
 * When the thread dies other than through close() (a crash, an uncaught error, an exit,
 * a terminate, a failed open), the requests it had not answered reject with the owner's
 * error class, and a new thread starts after a back-off that doubles with each
 * consecutive failure (any answer resets it); until it is up, requests reject at once.
 * The process is held open only while a request is outstanding (or while the first
 * thread opens for a caller that awaits it).
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from './logger.js';
import { spawnWorker, threadNameOf } from './spawn-worker.js';

/** The thread's answer to request `id` (0: the outcome of its opening). */
export type WorkerReply =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: string };

/** What happened to the thread, for logs and tests. */
export type WorkerEvent<E extends Error> =
  /** A thread failed; the next one starts after `delayMs` (`attempt`: consecutive failures). */
  | { type: 'failed'; error: E; attempt: number; delayMs: number }
  /** A thread started after a failure has opened and takes requests. */
  | { type: 'restarted'; restarts: number };

/**
 * An `onEvent` that logs a failure (error: `<thread> died; <meanwhile>`, with the error,
 * the attempt and the wait `inMs`) and a restart (info: `<thread> restarted`), each with
 * `fields` (which stream, say).
 */
export function logWorkerEvents<E extends Error>(
  logger: Logger,
  thread: string,
  meanwhile = 'restarting it',
  fields: Record<string, unknown> = {},
): (e: WorkerEvent<E>) => void {
  return (e) => {
    if (e.type === 'failed')
      logger.error(`${thread} died; ${meanwhile}`, {
        ...fields,
        error: e.error.message,
        attempt: e.attempt,
        inMs: e.delayMs,
      });
    else logger.info(`${thread} restarted`, { ...fields, restarts: e.restarts });
  };
}

/** Restart settings; defaults in brackets. */
export interface RestartOptions<E extends Error> {
  /** Wait before starting a new thread after the first failure [100 ms]; doubles per failure. */
  restartDelayMs?: number;
  /** Upper bound of that wait [5 s]. */
  maxRestartDelayMs?: number;
  /** Told of every failure and restart (never after close()); must not throw. */
  onEvent?: (e: WorkerEvent<E>) => void;
}

export interface RestartingWorkerOptions<E extends Error> extends RestartOptions<E> {
  /** The thread's entry module (see spawn-worker.ts) and its workerData. */
  entry: URL;
  workerData?: unknown;
  /** The thread as named in errors, e.g. `the staging thread`. */
  label: string;
  /** The owner's error for a thread that died, is restarting or is closed. */
  error: new (
    message: string,
    options?: ErrorOptions,
  ) => E;
}

const DEFAULT_RESTART_DELAY_MS = 100;
const DEFAULT_MAX_RESTART_DELAY_MS = 5000;

type Waiter = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** One started thread, from spawn to exit, with the waiters of the requests sent to it. */
class Thread<E extends Error> {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  /** Why the thread is unusable; set once, when it failed or exited. */
  failure: E | undefined;
  /** Opened and not failed since. */
  up = false;
  /** Settles when the thread opened or could not. */
  readonly opened: Promise<void>;
  /** Resolves once the thread has exited. */
  readonly exited: Promise<void>;

  /**
   * `holdOpen`: the process stays alive while the thread opens (a caller awaits it).
   * `failed` is called once, on the first failure; `answered` after each answer.
   */
  constructor(
    private readonly opts: RestartingWorkerOptions<E>,
    holdOpen: boolean,
    private readonly failed: (t: Thread<E>) => void,
    private readonly answered: () => void,
  ) {
    this.worker = spawnWorker(opts.entry, opts.workerData, threadNameOf(opts.entry, opts.label));
    if (!holdOpen) this.worker.unref();
    this.opened = new Promise<void>((resolve, reject) => {
      this.waiting.set(0, { resolve: () => resolve(), reject });
    });
    this.opened.catch(() => {});
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.fail(new opts.error(`${opts.label} exited (code ${code})`));
        resolve();
      });
    });
    this.worker.on('message', (m: WorkerReply) => this.settle(m));
    this.worker.on('error', (err) =>
      this.fail(new opts.error(`${opts.label} failed: ${err.message}`, { cause: err })),
    );
  }

  request(msg: { id: number }, transfer?: ArrayBuffer[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<unknown>((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(msg.id, { resolve, reject });
      this.worker.postMessage(msg, transfer);
    });
  }

  /** Sends a message that gets no answer. */
  post(msg: unknown): void {
    this.worker.postMessage(msg);
  }

  /** Ends the thread and waits until it has exited. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }

  private settle(m: WorkerReply): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (m.id === 0) {
      if (m.ok) {
        this.up = true;
        w.resolve(undefined);
      } else {
        // a thread that could not open stays alive answering errors: end it
        this.fail(new this.opts.error(m.error), w);
        void this.worker.terminate();
      }
      return;
    }
    this.answered();
    if (m.ok) w.resolve(m.value);
    // the thread is fine; the request was not (a bad record, say)
    else w.reject(new Error(m.error));
  }

  /** Rejects every outstanding request (and `also`) with `err` and reports the failure once. */
  private fail(err: E, also?: Waiter): void {
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

/** A worker thread restarted after every failure until close() (see the top of this file). */
export class RestartingWorker<E extends Error> {
  private restartCount = 0;
  /** The latest thread; undefined when the last one could not even be created. */
  private thread: Thread<E> | undefined;
  private lastFailure: E | undefined;
  private state: 'starting' | 'running' | 'closed' = 'starting';
  /** Consecutive failures; any answer resets it. */
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private readonly restartDelayMs: number;
  private readonly maxRestartDelayMs: number;

  private constructor(private readonly opts: RestartingWorkerOptions<E>) {
    this.restartDelayMs = opts.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS;
    this.maxRestartDelayMs = Math.max(
      this.restartDelayMs,
      opts.maxRestartDelayMs ?? DEFAULT_MAX_RESTART_DELAY_MS,
    );
  }

  /**
   * Starts the first thread and waits until it opened. When it cannot open: with
   * `failIfFirstOpenFails`, rejects with its error; otherwise resolves and restarts it
   * like any failed thread (requests reject until one is up).
   */
  static async start<E extends Error>(
    opts: RestartingWorkerOptions<E>,
    failIfFirstOpenFails: boolean,
  ): Promise<RestartingWorker<E>> {
    const w = new RestartingWorker(opts);
    const t = w.spawn(true);
    w.thread = t;
    try {
      await t.opened;
    } catch (err) {
      if (failIfFirstOpenFails) {
        w.state = 'closed';
        await t.terminate();
        throw err;
      }
    }
    w.state = 'running';
    // a failure before this line found the worker still starting
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

  /** An id for the next request. */
  id(): number {
    return this.nextId++;
  }

  private spawn(holdOpen: boolean): Thread<E> {
    const t: Thread<E> = new Thread(
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
  private scheduleRestart(error: E, exited: Promise<void>): void {
    if (this.state !== 'running') return;
    this.lastFailure = error;
    this.failures++;
    const delayMs = Math.min(
      this.maxRestartDelayMs,
      this.restartDelayMs * 2 ** Math.min(this.failures - 1, 30),
    );
    this.opts.onEvent?.({ type: 'failed', error, attempt: this.failures, delayMs });
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
    let t: Thread<E>;
    try {
      t = this.spawn(false);
    } catch (err) {
      this.thread = undefined;
      this.scheduleRestart(
        new this.opts.error(`${this.opts.label} did not start: ${err}`, { cause: err }),
        Promise.resolve(),
      );
      return;
    }
    this.thread = t;
    t.opened.then(
      () => {
        if (this.state === 'running' && this.thread === t)
          this.opts.onEvent?.({ type: 'restarted', restarts: this.restarts });
      },
      () => {},
    );
  }

  /**
   * Sends `msg` to the thread and resolves with its answer's value. Rejects with the
   * owner's error when the thread dies first, none is up or the worker is closed, and
   * with a plain Error carrying the thread's message when it answers with an error.
   */
  request(msg: { id: number }, transfer?: ArrayBuffer[]): Promise<unknown> {
    const t = this.thread;
    if (this.state === 'closed')
      return Promise.reject(new this.opts.error(`${this.opts.label} is closed`));
    if (!t?.up) {
      return Promise.reject(
        new this.opts.error(
          `${this.opts.label} is restarting after: ${this.lastFailure?.message}`,
          {
            cause: this.lastFailure,
          },
        ),
      );
    }
    return t.request(msg, transfer);
  }

  /**
   * Test hook, never for production: makes the current thread die as a crash would, by
   * terminating it, or by posting `crash` (a message its entry dies of).
   */
  crashForTesting(crash: { id: number } | 'terminate'): void {
    const t = this.thread;
    if (!this.up || !t) throw new Error(`no ${this.opts.label.replace(/^the /, '')} is up`);
    if (crash === 'terminate') void t.terminate();
    else t.post(crash);
  }

  /**
   * Ends the thread, after asking it to finish with `closing` (a request) when given and
   * the thread is up; no restart follows.
   */
  async close(closing?: { id: number }): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const t = this.thread;
    if (!t) return;
    if (closing && t.up) await t.request(closing).catch(() => {});
    await t.terminate();
  }
}
