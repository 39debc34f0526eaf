/**
 * A job's lease, held for one run. The lease in the ETL store keeps runners of different
 * processes apart, but it is the runner's own (the same owner takes it again), so two
 * runs of one job in one process (a scheduled run and a backfill from the Console) would
 * both hold it, clear each other's staging and release it under each other. Runs of one
 * job by one owner therefore wait for each other here, in start order.
 */
import type { Logger } from '../ops/logger.js';
import { JobBusyError, JobStoppedError } from './errors.js';
import type { EtlStore } from './etl-store.js';

/** Per owner and job: the end of the last run started in this process. */
const tails = new Map<string, Promise<void>>();

/**
 * Runs `fn` holding the lease of `job` for `owner`: after the runs of the same job and
 * owner started before it in this process, then takes the lease (JobBusyError when
 * another owner holds it) and releases it when `fn` ends. Once `signal` has aborted (the
 * scheduler stopped), a run that has not started rejects with JobStoppedError instead:
 * runs queued behind a long one went on one after another after `up` was told to stop,
 * past its shutdown deadline.
 */
export async function withLease<T>(
  store: EtlStore,
  job: string,
  owner: string,
  ttlMs: number,
  logger: Logger,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const key = `${owner}\n${job}`;
  const before = tails.get(key);
  let done = () => {};
  const tail = new Promise<void>((r) => {
    done = r;
  });
  tails.set(key, tail);
  try {
    if (before) {
      logger.info('job run waits for the run of the same job in this process', { job });
      await before;
    }
    if (signal?.aborted) throw new JobStoppedError(job);
    const holder = await store.acquireLease(job, owner, ttlMs);
    if (holder !== owner) throw new JobBusyError(job, holder);
    try {
      return await fn();
    } finally {
      await store.releaseLease(job, owner).catch(() => undefined);
    }
  } finally {
    done();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
