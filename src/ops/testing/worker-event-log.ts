/**
 * For tests of restarting workers (restarting-worker.ts): a log of a worker's events,
 * each with the restart count at the time (once `bind` names the worker), and a way to
 * wait for the next ones without sleeping for a guessed time.
 */
import type { WorkerEvent } from '../restarting-worker.js';

export function workerEventLog<E extends Error>() {
  const events: (WorkerEvent<E> & { restartsThen: number })[] = [];
  let wake: (() => void) | undefined;
  let worker: { readonly restarts: number } | undefined;
  return {
    events,
    bind: (w: { readonly restarts: number }) => {
      worker = w;
    },
    onEvent: (e: WorkerEvent<E>) => {
      events.push({ ...e, restartsThen: worker?.restarts ?? 0 });
      wake?.();
    },
    /** Waits until `count` events of `type` were logged from index `from` on. */
    async until(type: WorkerEvent<E>['type'], count: number, from = 0) {
      // a restarting worker does not hold the process open; this wait must
      const keepAlive = setInterval(() => {}, 1000);
      try {
        while (events.slice(from).filter((e) => e.type === type).length < count)
          await new Promise<void>((r) => (wake = r));
      } finally {
        clearInterval(keepAlive);
      }
    },
  };
}
