/**
 * Runs customer jobs: the customer's SQL, checked and run in the customer's own session
 * (so it reads only its granted ponds and its own tables), written as one Parquet file
 * and swapped in as `<lake>/customers/<customer>/<table>/data.parquet`. Each run rebuilds
 * the whole table (customer tables are small aggregates of ponds).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../ops/logger.js';
import type { CustomerJob } from '../tenancy/customer-store.js';
import { JobRunError } from './errors.js';
import type { EtlMetrics } from './etl-metrics.js';
import type { EtlStore, RunKind } from './etl-store.js';
import type { EtlTask } from './etl-task.js';
import { LEASE_MS } from './job-runner.js';
import { withLease } from './lease.js';

/** Run-history name of a customer job. */
export function customerTaskName(job: Pick<CustomerJob, 'customer' | 'name'>): string {
  return `customer:${job.customer}/${job.name}`;
}

/**
 * What a customer job needs of a customer's SQL session: the SQL endpoint's sessions
 * (sql-endpoint/customer-session.ts) are one, handed in by the composition root, so
 * the ETL does not import the SQL endpoint.
 */
export interface CustomerJobSession {
  /**
   * Checks and runs `sql`, writing its result as one Parquet file at `file`; rows written.
   * `signal` interrupts the statement (the process is stopping).
   */
  materialize(sql: string, file: string, signal?: AbortSignal): Promise<number>;
  /** Checks and runs one read statement; only the result's columns are read here. */
  query(sql: string): Promise<{ readonly columns: readonly { name: string; type: string }[] }>;
  close(): Promise<void>;
}

/** Dependencies of runCustomerJob. */
export interface CustomerJobDeps {
  store: EtlStore;
  /** Opens the session of a customer with its current grants (the SQL endpoint's SessionOpener). */
  openSession: (customer: string) => Promise<CustomerJobSession>;
  lakeRoot: string;
  logger: Logger;
  runnerId: string;
  metrics?: EtlMetrics;
}

/**
 * One attempt of a customer job; throws JobBusyError or JobRunError (recorded). Returns
 * rows written. `opts.signal` (the scheduler's stop) interrupts the customer's statement;
 * the attempt is then recorded as `stopped`, not failed, and the table keeps its last build.
 */
export function runCustomerJob(
  job: CustomerJob,
  deps: CustomerJobDeps,
  opts: { kind: RunKind; slot?: string; attempt: number; signal?: AbortSignal } = {
    kind: 'manual',
    attempt: 1,
  },
): Promise<number> {
  const name = customerTaskName(job);
  return withLease(
    deps.store,
    name,
    deps.runnerId,
    LEASE_MS,
    deps.logger,
    () => runLeased(job, name, deps, opts),
    opts.signal,
  );
}

async function runLeased(
  job: CustomerJob,
  name: string,
  deps: CustomerJobDeps,
  opts: { kind: RunKind; slot?: string; attempt: number; signal?: AbortSignal },
): Promise<number> {
  const runId = await deps.store.startRun({
    job: name,
    kind: opts.kind,
    ...(opts.slot ? { slot: opts.slot } : {}),
    attempt: opts.attempt,
    runner: deps.runnerId,
  });
  const area = path.resolve(deps.lakeRoot, 'customers', job.customer);
  const staged = path.join(area, `.tmp-${job.name}-${runId}`);
  const finalDir = path.join(area, job.name);
  const aside = path.join(area, `.old-${job.name}-${runId}`);
  try {
    const session = await deps.openSession(job.customer);
    let rows: number;
    let columns: { name: string; type: string }[];
    try {
      rows = await session.materialize(job.sql, path.join(staged, 'data.parquet'), opts.signal);
      columns = (
        await session.query(`SELECT * FROM (\n${job.sql.replace(/;\s*$/, '')}\n) AS t LIMIT 0`)
      ).columns.map((c) => ({ name: c.name, type: c.type }));
    } finally {
      await session.close();
    }
    const bytes = (await fs.stat(path.join(staged, 'data.parquet'))).size;
    const hadOld = await fs.rename(finalDir, aside).then(
      () => true,
      () => false,
    );
    await fs.rename(staged, finalDir);
    if (hadOld) await fs.rm(aside, { recursive: true, force: true });
    await deps.store.upsertTable({
      name: `customers/${job.customer}/${job.name}`,
      kind: 'customer',
      location: `customers/${job.customer}/${job.name}`,
      partitionColumn: null,
      columns,
    });
    await deps.store.finishRun(runId, {
      status: 'succeeded',
      rows,
      bytes,
      outputPartitions: [job.name],
    });
    deps.metrics?.observe(name, 'succeeded', rows, 0);
    deps.logger.info('customer job done', { job: name, run: runId, rows });
    return rows;
  } catch (err) {
    await fs.rm(staged, { recursive: true, force: true }).catch(() => undefined);
    const error = (err as Error).message?.split('\n')[0] ?? String(err);
    // the process is stopping (its statement was interrupted): not the job's failure
    const status = opts.signal?.aborted ? 'stopped' : 'failed';
    await deps.store.finishRun(runId, { status, error }).catch(() => undefined);
    const [h] = await deps.store.health([name]).catch(() => []);
    deps.metrics?.observe(name, status, 0, h?.consecutiveFailures ?? (status === 'failed' ? 1 : 0));
    if (status === 'stopped') deps.logger.info('customer job stopped', { job: name, run: runId });
    throw new JobRunError(name, runId, { cause: err });
  }
}

/** A customer job as a scheduler task. */
export function customerJobTask(job: CustomerJob, deps: CustomerJobDeps): EtlTask {
  return {
    name: customerTaskName(job),
    schedule: job.schedule,
    run: (opts) => runCustomerJob(job, deps, opts),
  };
}
