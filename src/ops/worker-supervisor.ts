/**
 * The primary of a node:cluster service (`faresight ingest --workers N`): forks the
 * workers, replaces one that dies, and stops them all on SIGINT/SIGTERM. A worker counts
 * as started once it listens (the cluster's 'listening' event). A worker that exits
 * before it ever listened failed to start (its own error is on stderr): it is replaced
 * after a backoff, and after `maxStartFailures` such failures in a row (no worker starting
 * in between) the primary stops the rest and exits 1, as the single-process command
 * would: a configuration that cannot work (a stream server that is down, a port taken)
 * ends the command for its supervisor (systemd, Kubernetes) to see, instead of a cluster
 * that never serves.
 */
import cluster, { type Worker } from 'node:cluster';
import { backoffDelay, type RetryPolicy } from './backoff.js';
import type { Logger } from './logger.js';

export interface SuperviseOptions {
  /** Processes to keep running. */
  workers: number;
  /** What the workers are, for the log ("ingest"). */
  role: string;
  logger: Logger;
  /** Start failures in a row after which the primary gives up [3]. */
  maxStartFailures?: number;
  /** Delay before replacing a worker that failed to start [1 s doubling to 30 s]. */
  restart?: RetryPolicy;
  /** Exits the primary; tests replace it. */
  exit?: (code: number) => void;
}

/** Starts `workers` cluster workers and supervises them; call in the primary only. */
export function superviseWorkers(opts: SuperviseOptions): void {
  const { logger, role } = opts;
  const maxStartFailures = opts.maxStartFailures ?? 3;
  const restart = opts.restart ?? { initialDelayMs: 1_000, maxDelayMs: 30_000 };
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const started = new Set<number>();
  let startFailures = 0;
  let stopping = false;
  let exitCode = 0;
  const timers = new Set<NodeJS.Timeout>();
  const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);

  const stop = (signal: NodeJS.Signals, code: number) => {
    stopping = true;
    exitCode = code;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    const workers = alive();
    if (workers.length === 0) return exit(exitCode);
    for (const w of workers) w.process.kill(signal);
  };

  cluster.on('listening', (w) => {
    started.add(w.id);
    startFailures = 0;
  });
  cluster.on('exit', (w, code, signal) => {
    const wasStarted = started.delete(w.id);
    if (stopping) {
      if (alive().length === 0) exit(exitCode);
      return;
    }
    if (wasStarted) {
      logger.error(`${role} worker died, starting another`, { pid: w.process.pid, code, signal });
      cluster.fork();
      return;
    }
    startFailures++;
    if (startFailures >= maxStartFailures) {
      logger.error(
        `${role} workers cannot start: ${startFailures} exited in a row before listening (their errors are above); stopping`,
        { pid: w.process.pid, code, signal },
      );
      stop('SIGTERM', 1);
      return;
    }
    const delay = backoffDelay(startFailures, restart);
    logger.warn(`${role} worker exited before listening, starting another`, {
      pid: w.process.pid,
      code,
      signal,
      inMs: delay,
    });
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopping) cluster.fork();
    }, delay);
    timers.add(t);
  });
  process.once('SIGINT', () => stop('SIGINT', 0));
  process.once('SIGTERM', () => stop('SIGTERM', 0));
  for (let i = 0; i < opts.workers; i++) cluster.fork();
}
