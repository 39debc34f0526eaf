import type { Logger } from '../ops/logger.js';
import type { EtlMetrics } from './etl-metrics.js';
import type { EtlStore } from './etl-store.js';
import type { EtlTask } from './etl-task.js';
import { withLease } from './lease.js';

/** A unit of work the scheduler can run that keeps no run history of its own. */
export interface PlainTask {
  readonly name: string;
  readonly schedule: string;
  readonly catchUpAfterMs?: number;
  /** One attempt; `rows` goes to the run history. `signal`: see EtlTask.run. */
  run(opts?: { signal?: AbortSignal }): Promise<{ rows?: number }>;
}

/** How long a recorded task's lease lasts before another runner may take the task. */
const LEASE_MS = 30 * 60_000;

/**
 * Turns `task` into an EtlTask that, like the pond jobs, holds the task's lease while it
 * runs (JobBusyError when another process's runner holds it; runs in this process wait
 * for each other, withLease) and records each attempt in
 * `etl_runs`, so `faresight etl status` sees it, and in `metrics` when given. An attempt
 * that rejects after the scheduler's signal aborted is recorded as `stopped`, not failed.
 */
export function recordedTask(
  task: PlainTask,
  store: EtlStore,
  runnerId: string,
  logger: Logger,
  metrics?: EtlMetrics,
): EtlTask {
  return {
    name: task.name,
    schedule: task.schedule,
    ...(task.catchUpAfterMs !== undefined ? { catchUpAfterMs: task.catchUpAfterMs } : {}),
    run({ kind, slot, attempt, signal }) {
      return withLease(
        store,
        task.name,
        runnerId,
        LEASE_MS,
        logger,
        async () => {
          const runId = await store.startRun({
            job: task.name,
            kind,
            ...(slot ? { slot } : {}),
            attempt,
            runner: runnerId,
          });
          try {
            const r = await task.run(signal ? { signal } : {});
            await store.finishRun(runId, { status: 'succeeded', rows: r.rows ?? 0 });
            metrics?.observe(task.name, 'succeeded', r.rows ?? 0, 0);
            return r;
          } catch (err) {
            const error = (err as Error).message?.split('\n')[0] ?? String(err);
            // the process is stopping: not the task's failure, and the next slot runs it
            const status = signal?.aborted ? 'stopped' : 'failed';
            await store.finishRun(runId, { status, error }).catch(() => undefined);
            const [h] = await store.health([task.name]).catch(() => []);
            metrics?.observe(
              task.name,
              status,
              0,
              h?.consecutiveFailures ?? (status === 'failed' ? 1 : 0),
            );
            throw err;
          }
        },
        signal,
      );
    },
  };
}
