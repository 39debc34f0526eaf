/**
 * The long-running ETL scheduler (`faresight etl`, and part of `faresight up`). Cron
 * timers (croner) fire each task's schedule. Embedded, a fire runs the task in this
 * process. With pg-boss (PostgreSQL), a fire only enqueues `{ slot }` with a singleton key
 * per task and slot, and whichever process's worker takes the job runs it, so several
 * schedulers share the work. In both modes a slot is claimed in the row store before it
 * runs (etl_slots), so no slot ever runs twice, and a run holds its task's lease, so runs
 * of one task never overlap. A failing attempt is retried with backoff. A task with
 * `catchUpAfterMs` also gets its latest slot dispatched that long after start, so a job
 * that refreshes hourly runs soon after a fresh start (once across the fleet).
 */
import { Cron } from 'croner';
import type { Logger } from '../ops/logger.js';
import { runWithRetry } from '../ops/retry.js';
import type { Service } from '../ops/service.js';
import { cronSlot, latestCronSlot } from './cron-slot.js';
import { JobBusyError } from './errors.js';
import type { EtlStore } from './etl-store.js';
import type { EtlTask } from './etl-task.js';

/** Hands fired slots to a worker; the pg-boss one lives in `pg-boss/`. */
export interface SlotDispatcher {
  /** Prepares the queue of a task; `handle` runs a slot that reached this process. */
  register(task: EtlTask, handle: (slot: string) => Promise<void>): Promise<void>;
  /** A cron fire of `task` for `slot`. */
  dispatch(task: EtlTask, slot: string): Promise<void>;
  stop(): Promise<void>;
}

/** Options of startEtlScheduler. */
export interface EtlSchedulerOptions {
  /** The tasks; called at start and every `refreshMs` (customer jobs come and go). */
  tasks: () => Promise<EtlTask[]>;
  store: EtlStore;
  logger: Logger;
  /** Default: run in this process. */
  dispatcher?: SlotDispatcher;
  attempts: number;
  retryDelayMs: number;
  /** Default 60 s. */
  refreshMs?: number;
  /** Names this process in etl_slots. */
  owner: string;
}

/** Starts the scheduler; `stop()` stops the timers and waits for running tasks. */
export async function startEtlScheduler(opts: EtlSchedulerOptions): Promise<Service> {
  const abort = new AbortController();
  const crons = new Map<string, { cron: Cron; schedule: string }>();
  const running = new Set<Promise<void>>();
  const catchUps = new Set<NodeJS.Timeout>();
  const log = opts.logger;

  const execute = async (task: EtlTask, slot: string) => {
    if (abort.signal.aborted) return;
    if (!(await opts.store.claimSlot(task.name, slot, opts.owner))) {
      log.debug('slot already claimed', { task: task.name, slot });
      return;
    }
    try {
      await runWithRetry(
        (attempt) => task.run({ kind: 'scheduled', slot, attempt, signal: abort.signal }),
        {
          attempts: opts.attempts,
          retryDelayMs: opts.retryDelayMs,
          signal: abort.signal,
          // Another run holds the job: the holder is doing the work.
          retryable: (err) => !(err instanceof JobBusyError),
        },
      );
    } catch (err) {
      if (err instanceof JobBusyError)
        log.info('skipped: previous run still going', { task: task.name, slot });
      else if (abort.signal.aborted)
        log.info('stopped with the scheduler', {
          task: task.name,
          slot,
          error: (err as Error).message,
        });
      else
        log.error('task failed after retries', {
          task: task.name,
          slot,
          error: (err as Error).message,
        });
    }
  };
  const track = (p: Promise<void>) => {
    running.add(p);
    p.finally(() => running.delete(p)).catch(() => undefined);
  };

  const dispatcher: SlotDispatcher = opts.dispatcher ?? {
    register: async () => {},
    dispatch: async (task, slot) => track(execute(task, slot)),
    stop: async () => {},
  };

  const byName = new Map<string, EtlTask>();
  const refresh = async () => {
    const tasks = await opts.tasks();
    const seen = new Set<string>();
    for (const task of tasks) {
      seen.add(task.name);
      byName.set(task.name, task);
      const had = crons.get(task.name);
      if (had && had.schedule === task.schedule) continue;
      had?.cron.stop();
      await dispatcher.register(task, async (slot) => {
        const current = byName.get(task.name);
        if (current) await execute(current, slot);
      });
      const fire = (slotOf: (schedule: string) => string | undefined) => {
        const t = byName.get(task.name);
        if (!t || abort.signal.aborted) return;
        const slot = slotOf(t.schedule);
        if (slot === undefined) return;
        dispatcher
          .dispatch(t, slot)
          .catch((err: unknown) =>
            log.error('dispatch failed', { task: t.name, error: (err as Error).message }),
          );
      };
      const cron = new Cron(task.schedule, { timezone: 'UTC', protect: true }, () =>
        fire((schedule) => cronSlot(schedule)),
      );
      if (!had && task.catchUpAfterMs !== undefined) {
        const t = setTimeout(() => {
          catchUps.delete(t);
          fire((schedule) => latestCronSlot(schedule));
        }, task.catchUpAfterMs);
        t.unref();
        catchUps.add(t);
      }
      crons.set(task.name, { cron, schedule: task.schedule });
      log.info('scheduled', { task: task.name, schedule: task.schedule });
    }
    for (const [name, c] of crons)
      if (!seen.has(name)) {
        c.cron.stop();
        crons.delete(name);
        byName.delete(name);
      }
  };
  await refresh();
  const timer = setInterval(() => {
    refresh().catch((err: unknown) =>
      log.warn('task refresh failed', { error: (err as Error).message }),
    );
  }, opts.refreshMs ?? 60_000);
  timer.unref();
  return {
    name: 'etl',
    async stop() {
      clearInterval(timer);
      for (const t of catchUps) clearTimeout(t);
      catchUps.clear();
      for (const c of crons.values()) c.cron.stop();
      crons.clear();
      abort.abort();
      await dispatcher.stop();
      await Promise.allSettled([...running]);
    },
  };
}
