/**
 * Forecast fitting on worker threads, so the event loop of the process that runs the
 * demand job (`faresight up`) keeps serving requests, and `forecast evaluate` uses every
 * core. Each thread is a RestartingWorker (a crashed thread rejects its outstanding fits
 * with ForecastThreadError and is started again after a back-off). Fits wait in one queue
 * and go to the threads PER_THREAD_IN_FLIGHT at a time, so a thread never idles between
 * two fits and a crash loses at most that many.
 */
import { availableParallelism } from 'node:os';
import { RestartingWorker } from '../../ops/restarting-worker.js';
import { siblingModule } from '../../ops/spawn-worker.js';
import { BACKGROUND_NICENESS } from '../../ops/thread-priority.js';
import { ForecastThreadError } from './errors.js';
import type { FitOutcome, FitRequest } from './fit-series.js';

/** Fits sent to one thread before it has answered the earlier ones. */
const PER_THREAD_IN_FLIGHT = 2;

/** A message to a forecast thread: a fit. */
export type ForecastThreadRequest = FitRequest & { readonly id: number };

/** Options of ForecastPool.start. */
export interface ForecastPoolOptions {
  /** Threads; default defaultForecastThreads(). */
  readonly threads?: number;
  /**
   * Scheduling niceness of each thread; default BACKGROUND_NICENESS (10): when a thread
   * and the event loop of the serving process compete for a core, the event loop runs
   * first (a core to spare makes no difference). 0 for a tool whose threads are the work
   * (`forecast evaluate`). Linux only; elsewhere the threads keep the process's priority.
   */
  readonly niceness?: number;
}

/** The forecast thread's workerData. */
export interface ForecastThreadData {
  readonly niceness: number;
}

/**
 * Threads of a pool by default: one per core, less one for the event loop of the
 * process (at least one), so a serving process keeps a core for its requests.
 */
export function defaultForecastThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

type Slot = { worker: RestartingWorker<ForecastThreadError>; inFlight: number };
type Queued = {
  request: FitRequest;
  resolve: (v: FitOutcome) => void;
  reject: (e: Error) => void;
};

/** A fixed set of forecast threads with one queue of fits (see the top of this file). */
export class ForecastPool {
  private readonly queue: Queued[] = [];
  private closed = false;

  private constructor(private readonly slots: Slot[]) {}

  /** Starts the threads and waits until each is ready; rejects when one cannot start. */
  static async start(options: ForecastPoolOptions = {}): Promise<ForecastPool> {
    const n = options.threads ?? defaultForecastThreads();
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`forecast threads must be a positive integer (got ${n})`);
    const started = await Promise.allSettled(
      Array.from({ length: n }, () =>
        RestartingWorker.start(
          {
            entry: siblingModule(import.meta.url, 'forecast-thread-main'),
            workerData: {
              niceness: options.niceness ?? BACKGROUND_NICENESS,
            } satisfies ForecastThreadData,
            label: 'a forecast thread',
            error: ForecastThreadError,
          },
          true,
        ),
      ),
    );
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map((w) => w.close()));
      throw (failed as PromiseRejectedResult).reason;
    }
    return new ForecastPool(workers.map((worker) => ({ worker, inFlight: 0 })));
  }

  /** Threads of the pool. */
  get threads(): number {
    return this.slots.length;
  }

  /**
   * Fits `request` on a thread. Rejects with RangeError as autoEts does for a bad series
   * (too short, non-finite values), and with ForecastThreadError when the thread died
   * first, none is up, or the pool is closed.
   */
  fit(request: FitRequest): Promise<FitOutcome> {
    if (this.closed) return Promise.reject(new ForecastThreadError('the forecast pool is closed'));
    return new Promise<FitOutcome>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let best: Slot | undefined;
      for (const s of this.slots)
        if (
          s.worker.up &&
          s.inFlight < PER_THREAD_IN_FLIGHT &&
          (!best || s.inFlight < best.inFlight)
        )
          best = s;
      if (!best) {
        if (this.slots.some((s) => s.worker.up || s.inFlight > 0)) return;
        // No thread is up and none will answer: fail what waits rather than hang.
        const err = new ForecastThreadError('no forecast thread is up');
        for (const q of this.queue.splice(0)) q.reject(err);
        return;
      }
      const slot = best;
      const q = this.queue.shift() as Queued;
      slot.inFlight++;
      const msg: ForecastThreadRequest = { ...q.request, id: slot.worker.id() };
      slot.worker.request(msg).then(
        (v) => {
          slot.inFlight--;
          q.resolve(v as FitOutcome);
          this.pump();
        },
        (err: Error) => {
          slot.inFlight--;
          q.reject(err instanceof ForecastThreadError ? err : new RangeError(err.message));
          this.pump();
        },
      );
    }
  }

  /** Ends the threads; fits not yet answered reject with ForecastThreadError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new ForecastThreadError('the forecast pool is closed');
    for (const q of this.queue.splice(0)) q.reject(err);
    await Promise.all(this.slots.map((s) => s.worker.close()));
  }
}
