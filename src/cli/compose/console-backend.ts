/**
 * The Console's view of a running platform (console/console-backend.ts), built from the
 * roles' own objects: the shopping stream, the lake (catalog and SQL), the ETL store,
 * the customers, and ingest's HTTP route for re-drives (so a re-drive is counted,
 * validated and dead-lettered exactly like the vendor's own post).
 */
import type {
  ConsoleBackend,
  CustomerInfo,
  CustomerJobInput,
  DeadLetterBucket,
  DeadLetterDetail,
  DeadLetterFilter,
  DeadLetterSummary,
  EtlRunInfo,
  EtlTableInfo,
  LakeTableInfo,
  MessageQuery,
  RedriveFailure,
  RedriveOutcome,
  RewindPlan,
} from '../../console/console-backend.js';
import { ConsoleInputError } from '../../console/console-backend.js';
import { defaultPondJobs } from '../../etl/default-ponds.js';
import type { EtlStore, RunRecord } from '../../etl/etl-store.js';
import { Catalog } from '../../lake/catalog/catalog.js';
import { parsePartitionKey } from '../../lake/lake-layout.js';
import type { LifecycleAction } from '../../lake/lifecycle/local-lifecycle.js';
import type { ObjectStore } from '../../lake/object-store/object-store.js';
import { LAKE_TABLES } from '../../lake/tables.js';
import { QueryError } from '../../query/errors.js';
import type { LakeQuery } from '../../query/lake-query.js';
import type { GraphCsv } from '../../serving/graph-export.js';
import type { Stream } from '../../stream/stream.js';
import type { CustomerSlices } from '../../tenancy/customer-slices.js';
import type { CustomerStore } from '../../tenancy/customer-store.js';
import { TenancyError } from '../../tenancy/errors.js';
import { type CustomerOps, customerActions } from './customer-actions.js';
import type { EtlOperations } from './etl-operations.js';
import { lakeState } from './lake-state.js';
import { browseMessages } from './message-browser.js';
import { exportSql } from './sql-export.js';

export interface PlatformConsoleDeps {
  stream: Stream;
  store: ObjectStore;
  /** Opens SQL over the lake (once, on first use). */
  openLake: () => Promise<LakeQuery>;
  etl: EtlStore;
  customers: CustomerStore;
  /** The customers' pond slices, kept in line with grants as `faresight customers` does. */
  slices: Pick<CustomerSlices, 'sync' | 'removeAll'>;
  /** ETL runs and backfills started now, beside the schedule. */
  etlOperations: EtlOperations;
  /** Plans the local lake's lifecycle actions (undefined: an S3 lake, whose rules are the bucket's). */
  lifecyclePlan?: () => Promise<LifecycleAction[]>;
  /** The route graph as openCypher CSV (the row store's). */
  exportGraph: (currency: string) => Promise<GraphCsv>;
  schedules: Readonly<Record<string, string>>;
  /**
   * Every task the ETL scheduler runs, with its schedule (`EtlContext.tasks`); default the
   * pond jobs of `schedules` and the customer jobs (no demand forecast).
   */
  etlTasks?: () => Promise<readonly { name: string; schedule: string }[]>;
  /** Base URL of ingest, and the bearer token of each vendor for re-drives (none = open ingest). */
  ingestUrl: () => string;
  redriveToken?: (vendor: string) => string | undefined;
}

/** A SQL string literal. */
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The WHERE clause of a dead-letter filter and further conditions (empty for none). */
function deadLetterWhere(f: DeadLetterFilter, ...more: string[]): string {
  const where = [
    ...more,
    f.vendor ? `vendor = ${lit(f.vendor)}` : '',
    f.stage ? `stage = ${lit(f.stage)}` : '',
    f.reason
      ? `list_contains(list_transform(rejected, x -> contains(lower(x.reason), ${lit(f.reason.toLowerCase())})), true)`
      : '',
  ].filter((w) => w !== '');
  return where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
}

/** How many days (that hold dead letters) each window after the first reads. */
const WINDOW_DAYS = [1, 2, 4, 8, 16, 32] as const;

/**
 * Conditions on `dt` (the UTC day of `received_at`) that split a table into disjoint
 * windows, newest first, from the days `held` that hold rows (a listing of the store):
 * the newest day and later, the next day held, the 2 before, 4, ..., then every older
 * day. Each is a plain range on the partition column, so the lake query opens only that
 * window's files; the first and last are open-ended, so a day the listing missed is read
 * all the same.
 */
export function receivedDays(held: readonly string[]): string[][] {
  const days = [...new Set(held)].sort().reverse();
  const day = (d: string) => `DATE ${lit(d)}`;
  if (days.length === 0) return [[]];
  const out: string[][] = [[`dt >= ${day(days[0] as string)}`]];
  let next = 1;
  for (const width of WINDOW_DAYS) {
    if (next + width >= days.length) break;
    out.push([
      `dt >= ${day(days[next + width - 1] as string)}`,
      `dt < ${day(days[next - 1] as string)}`,
    ]);
    next += width;
  }
  if (next < days.length) out.push([`dt < ${day(days[next - 1] as string)}`]);
  return out;
}

const runInfo = (r: RunRecord): EtlRunInfo => ({
  id: r.id,
  job: r.job,
  kind: r.kind,
  slot: r.slot,
  attempt: r.attempt,
  startedAt: r.startedAt.toISOString(),
  endedAt: r.endedAt ? r.endedAt.toISOString() : null,
  status: r.status,
  rowsOut: r.rowsOut,
  bytesOut: r.bytesOut,
  error: r.error,
});

function summaryOf(r: Record<string, unknown>): DeadLetterSummary {
  const rejected = (r.rejected ?? []) as { index: number | null; reason: string }[];
  return {
    id: String(r.id),
    vendor: String(r.vendor),
    stage: String(r.stage),
    receivedAt: String(r.received_at),
    reasons: rejected.map((x) =>
      x.index === null || x.index === undefined ? x.reason : `[${x.index}] ${x.reason}`,
    ),
    contentType: (r.content_type as string | null) ?? null,
    payloadBytes: Number(r.payload_bytes ?? 0),
  };
}

export class PlatformConsoleBackend implements ConsoleBackend {
  private lake: Promise<LakeQuery> | undefined;
  private readonly actions: CustomerOps;

  constructor(private readonly deps: PlatformConsoleDeps) {
    this.actions = customerActions(deps.customers, deps.slices);
  }

  private query(): Promise<LakeQuery> {
    this.lake ??= this.deps.openLake().catch((err) => {
      this.lake = undefined;
      throw err;
    });
    return this.lake;
  }

  private async rows(sql: string): Promise<Record<string, unknown>[]> {
    try {
      return await (await this.query()).all(sql);
    } catch (err) {
      // a table with no file yet (no dead letter so far) is an empty list, not an error
      if (err instanceof QueryError && /does not exist|No files found|not found/i.test(err.message))
        return [];
      throw err;
    }
  }

  async close(): Promise<void> {
    const l = this.lake;
    this.lake = undefined;
    if (l) await (await l).close();
  }

  async streamStatus() {
    const [info, lag] = await Promise.all([this.deps.stream.info(), this.deps.stream.lag()]);
    return {
      ...info,
      oldestTimestamp: info.oldestTimestamp ?? null,
      newestTimestamp: info.newestTimestamp ?? null,
      lag,
    };
  }

  async planRewind(group: string, time: number): Promise<RewindPlan> {
    const info = await this.deps.stream.info();
    if (!info.groups.includes(group))
      throw new ConsoleInputError(
        `no consumer group "${group}" (known: ${info.groups.join(', ') || 'none'})`,
      );
    const now = Date.now();
    if (time > now) throw new ConsoleInputError(`${new Date(time).toISOString()} is in the future`);
    const oldest = info.oldestTimestamp ?? now;
    const newest = info.newestTimestamp ?? now;
    const from = Math.max(time, oldest);
    const share = newest > oldest ? (newest - from) / (newest - oldest) : 1;
    return {
      group,
      from,
      to: now,
      estimatedRecords: Math.round(info.records * Math.min(1, Math.max(0, share))),
    };
  }

  messages(q: MessageQuery) {
    return browseMessages(this.deps.stream, q);
  }

  async rewind(group: string, time: number): Promise<RewindPlan> {
    const plan = await this.planRewind(group, time);
    await this.deps.stream.rewind(group, { time: plan.from });
    return plan;
  }

  /**
   * The newest dead letters of the filter, read a few days at a time from the newest day
   * the store holds back (see receivedDays) and stopped once `limit` are found: the partitions are days of
   * `received_at`, so every row of an older window is older than every row found, and
   * the answer is the whole table's `ORDER BY received_at DESC LIMIT n` without opening
   * the older files.
   */
  async deadLetters(f: DeadLetterFilter): Promise<DeadLetterSummary[]> {
    const limit = Math.trunc(f.limit ?? 200);
    const out: Record<string, unknown>[] = [];
    const held = (await this.deps.store.list('dead_letters/'))
      .map((o) => parsePartitionKey(o.key)?.dt)
      .filter((d): d is string => d !== undefined);
    for (const days of receivedDays(held)) {
      if (out.length >= limit) break;
      const rows = await this.rows(
        `SELECT id, vendor, stage, received_at, rejected, content_type, payload_bytes FROM dead_letters
         ${deadLetterWhere(f, ...days)} ORDER BY received_at DESC LIMIT ${limit - out.length}`,
      );
      out.push(...rows);
    }
    return out.map(summaryOf);
  }

  async deadLetterCounts(f: DeadLetterFilter, bucket: DeadLetterBucket) {
    const rows = await this.rows(
      `SELECT date_trunc(${lit(bucket)}, received_at) AS t, vendor, count(*) AS n FROM dead_letters
       ${deadLetterWhere(f)} GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    return {
      bucket,
      points: rows.map((r) => ({
        t: new Date(String(r.t)).toISOString(),
        vendor: String(r.vendor),
        n: Number(r.n),
      })),
    };
  }

  async redriveAll(f: DeadLetterFilter) {
    const out: (RedriveOutcome | RedriveFailure)[] = [];
    for (const d of await this.deadLetters(f)) {
      try {
        const r = await this.redrive(d.id);
        out.push(r ?? { id: d.id, error: 'gone' });
      } catch (err) {
        out.push({ id: d.id, error: (err as Error).message });
      }
    }
    return out;
  }

  async deadLetter(id: string): Promise<DeadLetterDetail | undefined> {
    const [r] = await this.rows(`SELECT * FROM dead_letters WHERE id = ${lit(id)} LIMIT 1`);
    if (!r) return undefined;
    return {
      ...summaryOf(r),
      payload: String(r.payload ?? ''),
      payloadEncoding: String(r.payload_encoding),
      payloadObject: (r.payload_object as string | null) ?? null,
      payloadSha256: String(r.payload_sha256),
      requestId: (r.request_id as string | null) ?? null,
    };
  }

  async redrive(id: string) {
    const d = await this.deadLetter(id);
    if (!d) return undefined;
    let body: Uint8Array;
    if (d.payloadEncoding === 'object') {
      const o = d.payloadObject ? await this.deps.store.get(d.payloadObject) : undefined;
      if (!o)
        throw new ConsoleInputError(
          `the payload object ${d.payloadObject} of dead letter ${id} is gone`,
        );
      body = o;
    } else body = Buffer.from(d.payload, d.payloadEncoding === 'base64' ? 'base64' : 'utf8');
    const token = this.deps.redriveToken?.(d.vendor);
    const res = await fetch(`${this.deps.ingestUrl()}/v1/ingest/${encodeURIComponent(d.vendor)}`, {
      method: 'POST',
      headers: {
        'content-type': d.contentType ?? 'application/json',
        'x-request-id': `redrive-${id}`.slice(0, 128),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
      accepted?: number;
      rejected?: unknown[];
    };
    return {
      id,
      status: res.status,
      accepted: o.accepted ?? 0,
      rejected: Array.isArray(o.rejected) ? o.rejected.length : 0,
      body: parsed,
    };
  }

  async lakeTables(): Promise<LakeTableInfo[]> {
    const cat = (await Catalog.load(this.deps.store)) ?? Catalog.empty();
    return LAKE_TABLES.map((t) => {
      const x = cat.table(t);
      return {
        name: x.name,
        location: x.location,
        partitionKeys: x.partitionKeys.map((k) => k.name),
        versions: x.versions.map((v) => ({
          version: v.version,
          since: v.since,
          columns: [...v.columns],
        })),
        partitions: [...x.partitions],
      };
    });
  }

  lakeState() {
    return lakeState(this.deps.store, this.deps.lifecyclePlan);
  }

  async sql(text: string, maxRows: number) {
    try {
      const result = await (await this.query()).open(text);
      const rows: Record<string, unknown>[] = [];
      let truncated = false;
      for await (const batch of result.batches()) {
        for (const r of batch) {
          if (rows.length >= maxRows) {
            truncated = true;
            break;
          }
          rows.push(r);
        }
        if (truncated) break;
      }
      return { columns: [...result.columns], rows, truncated };
    } catch (err) {
      if (err instanceof QueryError) throw new ConsoleInputError(err.message);
      throw err;
    }
  }

  async exportSql(text: string, format: 'csv' | 'parquet') {
    return exportSql(await this.query(), text, format);
  }

  private async tasks(): Promise<readonly { name: string; schedule: string }[]> {
    if (this.deps.etlTasks) return this.deps.etlTasks();
    const ponds = defaultPondJobs(this.deps.schedules).map((j) => ({
      name: j.name,
      schedule: j.schedule,
    }));
    const customerJobs = (await this.deps.customers.jobs()).map((j) => ({
      name: `customer:${j.customer}/${j.name}`,
      schedule: j.schedule,
    }));
    return [...ponds, ...customerJobs];
  }

  async etlTables(): Promise<EtlTableInfo[]> {
    return this.deps.etl.tables();
  }

  async etlJobs() {
    const jobs = await this.tasks();
    const health = await this.deps.etl.health(jobs.map((j) => j.name));
    return jobs.map((j, i) => {
      const h = health[i];
      return {
        job: j.name,
        schedule: j.schedule,
        lastRun: h?.lastRun ? runInfo(h.lastRun) : null,
        lastSuccessAt: h?.lastSuccessAt ? h.lastSuccessAt.toISOString() : null,
        consecutiveFailures: h?.consecutiveFailures ?? 0,
      };
    });
  }

  async etlRuns(job: string | undefined, limit: number) {
    return (await this.deps.etl.runs({ ...(job ? { job } : {}), limit })).map(runInfo);
  }

  customers(): Promise<CustomerInfo[]> {
    return this.actions.list();
  }

  private async tenancy<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof TenancyError) throw new ConsoleInputError(err.message);
      throw err;
    }
  }

  addCustomer(name: string) {
    return this.tenancy(() => this.deps.customers.add(name));
  }

  rotateKey(name: string) {
    return this.tenancy(() => this.deps.customers.rotateKey(name));
  }

  grant(customer: string, grant: { pond: string; markets?: string[]; pos?: string[] }) {
    return this.tenancy(() => this.actions.grant(customer, grant));
  }

  revoke(customer: string, pond: string) {
    return this.tenancy(() => this.actions.revoke(customer, pond));
  }

  removeCustomer(name: string) {
    return this.tenancy(() => this.actions.remove(name));
  }

  putCustomerJob(job: CustomerJobInput) {
    return this.tenancy(() => this.deps.customers.putJob(job));
  }

  removeCustomerJob(customer: string, name: string) {
    return this.tenancy(() => this.deps.customers.removeJob(customer, name));
  }

  startEtl(job: string, range?: { from: string; to: string }) {
    return this.deps.etlOperations.start(job, range);
  }

  etlOperation(id: string) {
    return this.deps.etlOperations.get(id);
  }

  etlOperations() {
    return this.deps.etlOperations.list();
  }

  exportGraph(currency: string) {
    if (!/^[A-Z]{3}$/.test(currency))
      throw new ConsoleInputError(
        `currency must be a 3-letter ISO 4217 code in capitals (got "${currency}")`,
      );
    return this.deps.exportGraph(currency);
  }
}
