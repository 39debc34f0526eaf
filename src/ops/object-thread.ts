/**
 * An object that lives on a worker thread of its own, called through messages. For work
 * whose synchronous parts would otherwise stall the event loop that serves requests:
 * DuckDB's `closeSync`, the teardown of an instance that scanned thousands of files, took
 * 0.22-2.69 s of `up`'s main thread per ETL run and 0.24-0.67 s per compaction batch
 * (docs/benchmarks.md). On the thread it stalls only that thread.
 *
 * The object is made on the thread by a factory exported from a module (a function, or
 * `Class.method`), called with arguments that can be cloned; so are each method's
 * arguments and results. Errors come back as Errors carrying the thread's message. The
 * thread restarts after a crash (restarting-worker.ts): the calls it had not answered,
 * and calls made before a new one is up, reject with the owner's error.
 */
import type { ObjectThreadData, ObjectThreadRequest } from './object-thread-main.js';
import { RestartingWorker, type RestartOptions } from './restarting-worker.js';
import { siblingModule } from './spawn-worker.js';

type Method = (...args: never[]) => Promise<unknown>;
/** The names of T's methods that return promises. */
export type AsyncMethodsOf<T> = {
  [K in keyof T]: T[K] extends Method ? K : never;
}[keyof T] &
  string;

export interface ObjectThreadOptions<E extends Error> extends RestartOptions<E> {
  /** The module exporting the factory, as siblingModule gives it. */
  module: URL;
  /** The exported function that makes the object, or `Class.staticMethod`. */
  factory: string;
  /** The factory's arguments (cloned into the thread). */
  args?: readonly unknown[];
  /** The thread as named in errors, e.g. `the ETL engine thread`. */
  label: string;
  /** The owner's error for a thread that died, is restarting or is closed. */
  error: new (
    message: string,
    options?: ErrorOptions,
  ) => E;
}

/** An object of type T on a thread of its own (see the top of this file). */
export class ObjectThread<T extends { close(): Promise<void> }, E extends Error> {
  private constructor(private readonly worker: RestartingWorker<E>) {}

  /**
   * Starts the thread and waits until the object is made; rejects with the owner's error
   * when the first thread cannot make it (a later thread that cannot is restarted).
   */
  static async start<T extends { close(): Promise<void> }, E extends Error>(
    o: ObjectThreadOptions<E>,
  ): Promise<ObjectThread<T, E>> {
    const data: ObjectThreadData = {
      module: o.module.href,
      factory: o.factory,
      args: [...(o.args ?? [])],
    };
    const worker = await RestartingWorker.start(
      {
        ...o,
        entry: siblingModule(import.meta.url, 'object-thread-main'),
        workerData: data,
      },
      true,
    );
    return new ObjectThread<T, E>(worker);
  }

  /** A thread is up and takes calls. */
  get up(): boolean {
    return this.worker.up;
  }

  /** Threads started after a failure so far. */
  get restarts(): number {
    return this.worker.restarts;
  }

  /** Calls `method` of the object on the thread with `args`. */
  call<K extends AsyncMethodsOf<T>>(
    method: K,
    ...args: T[K] extends (...a: infer A) => unknown ? A : never
  ): Promise<T[K] extends (...a: never[]) => Promise<infer R> ? R : never> {
    const msg: ObjectThreadRequest = { id: this.worker.id(), method, args };
    return this.worker.request(msg) as Promise<
      T[K] extends (...a: never[]) => Promise<infer R> ? R : never
    >;
  }

  /** Test hook, never for production: ends the thread as a crash would. */
  crashForTesting(): void {
    this.worker.crashForTesting('terminate');
  }

  /** Closes the object on the thread (its `close()`), then ends the thread; no restart follows. */
  close(): Promise<void> {
    const closing: ObjectThreadRequest = { id: this.worker.id(), method: 'close', args: [] };
    return this.worker.close(closing);
  }
}
