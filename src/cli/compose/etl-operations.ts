/**
 * One ETL run or backfill, started now: what `faresight etl run` / `etl backfill` do in
 * their own process, and what the admin API does in the platform's (so the CLI works
 * beside `up` on the embedded row store). The admin API's runs go on in the background
 * and are watched step by step (EtlOperations).
 */
import type { EtlOperation } from '../../console/console-backend.js';
import { ConsoleInputError } from '../../console/console-backend.js';
import { customerTaskName, runCustomerJob } from '../../etl/customer-job-runner.js';
import { UnknownJobError } from '../../etl/errors.js';
import type { JobDefinition } from '../../etl/job.js';
import { keysInRange } from '../../etl/job-runner.js';
import type { Logger } from '../../ops/logger.js';
import type { EtlContext } from './etl-context.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Operations kept for watching, per process (the oldest finished ones are forgotten). */
const KEPT_OPERATIONS = 100;

/** A day YYYY-MM-DD, or an error naming `what`. */
export function dayOf(what: string, v: string | undefined): string {
  if (!v || !DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    throw new ConsoleInputError(`${what} must be a date YYYY-MM-DD (got "${v ?? ''}")`);
  return v;
}

/** Runs `name` (a pond job or `customer:<customer>/<table>`) once, incrementally. */
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
  const s = await ctx.runner.run(ctx.job(name));
  return {
    rows: s.rows,
    message:
      `${name}: run ${s.runId}, ${s.inputPartitions.length} changed input partitions, ` +
      `${s.outputPartitions.length} output partitions rewritten, ${s.rows} rows, ${s.bytes} bytes`,
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
  onStep: (key: string, rows: number) => void,
): Promise<number> {
  let rows = 0;
  for (const k of keys) {
    const s = await ctx.runner.run(job, { range: { from: k, to: k }, kind: 'backfill' });
    rows += s.rows;
    onStep(k, s.rows);
  }
  return rows;
}

/** ETL runs and backfills started through the admin API, watched while they go. */
export class EtlOperations {
  private readonly ops = new Map<string, EtlOperation>();
  private seq = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly ctx: EtlContext,
    private readonly logger: Logger,
  ) {}

  /** Checks the job (and range) now, then runs it in the background. */
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
      } else this.ctx.job(name);
    } catch (err) {
      if (err instanceof UnknownJobError) throw new ConsoleInputError(err.message);
      throw err;
    }
    const op: EtlOperation = {
      id: `${Date.now().toString(36)}-${++this.seq}`,
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
    this.ops.set(op.id, op);
    this.forget();
    const work = (async () => {
      try {
        if (job && range) {
          await backfill(this.ctx, job, steps, (key, rows) => {
            op.done++;
            op.rows += rows;
            op.step = steps[op.done] ?? null;
            this.logger.debug('backfill step', { job: name, key, rows });
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
      }
    })();
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
    return { ...op };
  }

  get(id: string): EtlOperation | undefined {
    const op = this.ops.get(id);
    return op ? { ...op } : undefined;
  }

  list(): EtlOperation[] {
    return [...this.ops.values()].reverse().map((o) => ({ ...o }));
  }

  /** Waits for the operations still running (before the ETL context closes). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private forget(): void {
    for (const [id, o] of this.ops) {
      if (this.ops.size <= KEPT_OPERATIONS) break;
      if (o.status !== 'running') this.ops.delete(id);
    }
  }
}
