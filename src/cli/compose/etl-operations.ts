/**
 * One ETL run or backfill, started now: what `faresight etl run` / `etl backfill` do in
 * their own process, and what the admin API does in the platform's (so the CLI works
 * beside `up` on the embedded row store). The admin API's runs go on in the background
 * and are watched step by step (EtlOperations), kept in the ETL store.
 */
import { randomBytes } from 'node:crypto';
import type { EtlOperation } from '../../console/console-backend.js';
import { ConsoleInputError } from '../../console/console-backend.js';
import { customerTaskName, runCustomerJob } from '../../etl/customer-job-runner.js';
import { UnknownJobError } from '../../etl/errors.js';
import type { JobDefinition } from '../../etl/job.js';
import { keysInRange } from '../../etl/job-runner.js';
import type { Logger } from '../../ops/logger.js';
import type { EtlContext } from './etl-context.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A day YYYY-MM-DD, or an error naming `what`. */
export function dayOf(what: string, v: string | undefined): string {
  if (!v || !DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    throw new ConsoleInputError(`${what} must be a date YYYY-MM-DD (got "${v ?? ''}")`);
  return v;
}

/**
 * Runs `name` (a pond job, `customer:<customer>/<table>`, or the demand forecast,
 * FORECAST_TASK) once, incrementally.
 */
export async function runJobNow(
  ctx: EtlContext,
  name: string,
  logger: Logger,
): Promise<{ rows: number; message: string }> {
  if (name.startsWith('customer:')) {
    const job = (await ctx.customers.jobs()).find((j) => customerTaskName(j) === name);
    if (!job) throw new UnknownJobError(name, []);
    const rows = await runCustomerJob(job, {
      store: ctx.store,
      openSession: ctx.openSession,
      lakeRoot: ctx.lakeRoot,
      logger,
      runnerId: ctx.runner.runnerId,
    });
    return { rows, message: `${name}: ${rows} rows` };
  }
  if (name === ctx.forecast.name) {
    const r = (await ctx.forecast.run({ kind: 'manual', attempt: 1 })) as { rows: number };
    return { rows: r.rows, message: `${name}: ${r.rows} series forecast` };
  }
  const s = await ctx.runner.run(ctx.job(name));
  return {
    rows: s.rows,
    message:
      `${name}: run ${s.runId}, ${s.inputPartitions.length} changed input partitions, ` +
      `${s.outputPartitions.length} output partitions rewritten, ${s.rows} rows, ${s.bytes} bytes` +
      (s.redefined ? ' (the job changed since its pond was built: every partition rebuilt)' : ''),
  };
}

/** The output partitions (grain starts) a backfill of `job` rebuilds, one run each. */
export function backfillKeys(job: JobDefinition, from: string, to: string): string[] {
  if (from > to) throw new ConsoleInputError(`from ${from} is after to ${to}`);
  return keysInRange(from, to, job.grain);
}

/** Runs a backfill of `job` partition by partition; `onStep` after each one. */
export async function backfill(
  ctx: EtlContext,
  job: JobDefinition,
  keys: readonly string[],
  onStep: (key: string, rows: number) => void | Promise<void>,
): Promise<number> {
  let rows = 0;
  for (const k of keys) {
    const s = await ctx.runner.run(job, { range: { from: k, to: k }, kind: 'backfill' });
    rows += s.rows;
    await onStep(k, s.rows);
  }
  return rows;
}

/** How often a process tells the store it still runs its operations. */
export const OPERATION_HEARTBEAT_MS = 10_000;
/**
 * How old a running operation's heartbeat may be before its process counts as gone: six
 * missed heartbeats, so a slow store or a busy event loop does not fail a live run.
 */
export const OPERATION_STALE_MS = 60_000;
/** Operations listed (newest first). */
const LISTED_OPERATIONS = 100;
/** Finished operations kept in the store (older ones are deleted at start). */
const STORED_OPERATIONS = 1000;
/** Attempts at writing an operation's end before it is left to go stale. */
const END_WRITES = 3;

/**
 * ETL runs and backfills started through the admin API, run in this process and kept in
 * the ETL store (etl_operations): written at start, after each backfill step and at the
 * end, so they outlive the process and every process on the store (two `up` on one
 * PostgreSQL behind a load balancer) sees them. The process that runs an operation owns
 * it (its runner id) and refreshes its heartbeat every OPERATION_HEARTBEAT_MS; one left
 * running with a heartbeat older than OPERATION_STALE_MS (the database's clock) belongs to
 * a process that is gone and is marked failed, by recover() and by any read that meets it.
 */
export class EtlOperations {
  /** This process's running operations, as it updates them. */
  private readonly mine = new Map<string, EtlOperation>();
  private readonly running = new Set<Promise<void>>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: EtlContext,
    private readonly logger: Logger,
  ) {}

  private get store() {
    return this.ctx.store.operations;
  }

  /** Who runs this process's operations: its runner id (host, pid, random). */
  private get owner(): string {
    return this.ctx.runner.runnerId;
  }

  /**
   * At start: marks failed the operations left running by a process that is gone, and
   * forgets the oldest finished ones. On PGlite only one process opens the store (its
   * directory lock), so every running operation not this process's was left by one that
   * stopped; on PostgreSQL other live processes share it, so only stale heartbeats count.
   */
  async recover(): Promise<void> {
    const exclusive = this.ctx.store.sql.backend === 'pglite';
    const failed = await this.store.failOrphaned({
      staleMs: OPERATION_STALE_MS,
      ...(exclusive ? { allBut: this.owner } : {}),
    });
    if (failed.length > 0)
      this.logger.warn('ETL operations left running by a stopped process marked failed', {
        operations: failed,
      });
    await this.store.prune(STORED_OPERATIONS);
  }

  /** Checks the job (and range) now, records the operation, then runs it in the background. */
  async start(name: string, range?: { from: string; to: string }): Promise<EtlOperation> {
    let steps: string[] = [name];
    let job: JobDefinition | undefined;
    try {
      if (range) {
        job = this.ctx.job(name);
        steps = backfillKeys(job, dayOf('from', range.from), dayOf('to', range.to));
      } else if (name.startsWith('customer:')) {
        const jobs = await this.ctx.customers.jobs();
        if (!jobs.some((j) => customerTaskName(j) === name))
          throw new UnknownJobError(name, jobs.map(customerTaskName));
      } else if (name !== this.ctx.forecast.name) this.ctx.job(name);
    } catch (err) {
      if (err instanceof UnknownJobError) throw new ConsoleInputError(err.message);
      throw err;
    }
    const op: EtlOperation = {
      id: `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
      job: name,
      kind: range ? 'backfill' : 'run',
      from: range?.from ?? null,
      to: range?.to ?? null,
      total: steps.length,
      done: 0,
      rows: 0,
      status: 'running',
      step: steps[0] ?? null,
      message: null,
      error: null,
      startedAt: new Date().toISOString(),
      endedAt: null,
    };
    await this.store.save(op, this.owner);
    this.mine.set(op.id, op);
    this.beat();
    const work = (async () => {
      try {
        if (job && range) {
          await backfill(this.ctx, job, steps, async (key, rows) => {
            op.done++;
            op.rows += rows;
            op.step = steps[op.done] ?? null;
            this.logger.debug('backfill step', { job: name, key, rows });
            await this.store.save(op, this.owner).catch((err: Error) =>
              this.logger.warn('ETL operation progress not saved', {
                operation: op.id,
                error: err.message,
              }),
            );
          });
          op.message = `${name}: ${steps.length} ${job.grain} partitions from ${range.from} to ${range.to}, ${op.rows} rows`;
        } else {
          const r = await runJobNow(this.ctx, name, this.logger);
          op.done = 1;
          op.rows = r.rows;
          op.message = r.message;
        }
        op.status = 'succeeded';
      } catch (err) {
        op.status = 'failed';
        op.error = (err as Error).message;
        this.logger.warn('ETL operation failed', { job: name, error: op.error });
      } finally {
        op.step = null;
        op.endedAt = new Date().toISOString();
        await this.saveEnd(op);
        this.mine.delete(op.id);
        if (this.mine.size === 0) this.stopBeating();
      }
    })();
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
    return { ...op };
  }

  /** The operation `id` of any process on the store, or undefined. */
  async get(id: string): Promise<EtlOperation | undefined> {
    const op = await this.store.get(id, OPERATION_STALE_MS);
    if (!op?.orphaned) return op && strip(op);
    await this.store.failOrphaned({ staleMs: OPERATION_STALE_MS });
    const again = await this.store.get(id, OPERATION_STALE_MS);
    return again && strip(again);
  }

  /** The latest operations of every process on the store, newest first. */
  async list(): Promise<EtlOperation[]> {
    const ops = await this.store.list(LISTED_OPERATIONS, OPERATION_STALE_MS);
    if (!ops.some((o) => o.orphaned)) return ops.map(strip);
    await this.store.failOrphaned({ staleMs: OPERATION_STALE_MS });
    return (await this.store.list(LISTED_OPERATIONS, OPERATION_STALE_MS)).map(strip);
  }

  /** Waits for this process's operations still running (before the ETL context closes). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
    this.stopBeating();
  }

  /** Writes the end of `op`, retried: left unwritten, it would pass for a process that stopped. */
  private async saveEnd(op: EtlOperation): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.save(op, this.owner);
        return;
      } catch (err) {
        if (attempt >= END_WRITES) {
          this.logger.error('ETL operation end not saved', {
            operation: op.id,
            status: op.status,
            error: (err as Error).message,
          });
          return;
        }
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
  }

  private beat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      void this.store
        .heartbeat([...this.mine.keys()])
        .catch((err: Error) =>
          this.logger.warn('ETL operations heartbeat failed', { error: err.message }),
        );
    }, OPERATION_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private stopBeating(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

/** The operation as the admin API shows it. */
function strip(o: EtlOperation & { orphaned: boolean }): EtlOperation {
  const { orphaned: _, ...op } = o;
  return op;
}
