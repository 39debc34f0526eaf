/**
 * ETL bookkeeping in the row store (PGlite or PostgreSQL): run history, per-job
 * watermarks, claimed cron slots, run leases, the pond catalog and (in `operations`) the
 * runs and backfills started through the admin API.
 */
import { migrate } from '../sql/migrate.js';
import type { SqlClient, SqlStatement } from '../sql/sql-client.js';
import { ETL_MIGRATIONS } from './etl-migrations.js';
import { EtlOperationStore } from './etl-operation-store.js';

export const RUN_KINDS = ['manual', 'scheduled', 'backfill'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
/**
 * `stopped`: the attempt ended early because its process was stopping (the scheduler's
 * signal); it is not a failure and does not count in `consecutiveFailures`.
 */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'stopped';

/** One attempt of a run, as stored. */
export interface RunRecord {
  id: number;
  job: string;
  kind: RunKind;
  slot: string | null;
  attempt: number;
  startedAt: Date;
  endedAt: Date | null;
  status: RunStatus;
  inputPartitions: string[];
  outputPartitions: string[];
  rowsOut: number;
  bytesOut: number;
  error: string | null;
}

/** How a job is doing, for `faresight etl status` and the metrics. */
export interface JobHealth {
  job: string;
  lastRun?: RunRecord;
  lastSuccessAt?: Date;
  /** Failed attempts since the last success (0 when the last attempt succeeded; stopped attempts do not count). */
  consecutiveFailures: number;
}

/** What a finished attempt reports. */
export interface RunOutcome {
  status: Exclude<RunStatus, 'running'>;
  inputPartitions?: readonly string[];
  outputPartitions?: readonly string[];
  rows?: number;
  bytes?: number;
  error?: string;
}

/** A pond or customer table in the catalog. */
export interface CatalogTable {
  name: string;
  kind: 'pond' | 'customer';
  location: string;
  partitionColumn: string | null;
  columns: { name: string; type: string }[];
}

type RunRow = {
  id: string | number;
  job: string;
  kind: RunKind;
  slot: string | null;
  attempt: number;
  started_at: Date;
  ended_at: Date | null;
  status: RunStatus;
  input_partitions: string[];
  output_partitions: string[];
  rows_out: string | number;
  bytes_out: string | number;
  error: string | null;
};

function toRun(r: RunRow): RunRecord {
  return {
    id: Number(r.id),
    job: r.job,
    kind: r.kind,
    slot: r.slot,
    attempt: r.attempt,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    status: r.status,
    inputPartitions: r.input_partitions,
    outputPartitions: r.output_partitions,
    rowsOut: Number(r.rows_out),
    bytesOut: Number(r.bytes_out),
    error: r.error,
  };
}

export class EtlStore {
  /** The operations started through the admin API, on the same tables' client. */
  readonly operations: EtlOperationStore;

  constructor(readonly sql: SqlClient) {
    this.operations = new EtlOperationStore(sql);
  }

  /** Creates the ETL tables when missing; returns the migration versions applied. */
  migrate(): Promise<number[]> {
    return migrate(this.sql, ETL_MIGRATIONS);
  }

  /** Records the start of an attempt; returns its run id. */
  async startRun(r: {
    job: string;
    kind: RunKind;
    slot?: string;
    attempt: number;
    runner: string;
  }): Promise<number> {
    const [row] = await this.sql.query<{ id: string | number }>(
      `INSERT INTO etl_runs (job, kind, slot, attempt, status, runner)
       VALUES ($1, $2, $3, $4, 'running', $5) RETURNING id`,
      [r.job, r.kind, r.slot ?? null, r.attempt, r.runner],
    );
    return Number(row!.id);
  }

  /** Records the end of an attempt and, on success, moves the job's watermarks in the same transaction. */
  async finishRun(
    id: number,
    outcome: RunOutcome,
    watermarks?: { job: string; set: readonly [string, string][]; removed: readonly string[] },
  ): Promise<void> {
    const statements: SqlStatement[] = [
      {
        sql: `UPDATE etl_runs SET ended_at = now(), status = $2, input_partitions = $3::jsonb,
           output_partitions = $4::jsonb, rows_out = $5, bytes_out = $6, error = $7 WHERE id = $1`,
        params: [
          id,
          outcome.status,
          JSON.stringify(outcome.inputPartitions ?? []),
          JSON.stringify(outcome.outputPartitions ?? []),
          outcome.rows ?? 0,
          outcome.bytes ?? 0,
          outcome.error ?? null,
        ],
      },
    ];
    if (watermarks && outcome.status === 'succeeded') {
      // one row per key (the last fingerprint given wins), so one statement can upsert all
      const set = new Map(watermarks.set);
      if (set.size > 0)
        statements.push({
          sql: `INSERT INTO etl_watermarks (job, partition_key, fingerprint)
           SELECT $1, * FROM unnest($2::text[], $3::text[])
           ON CONFLICT (job, partition_key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint`,
          params: [watermarks.job, [...set.keys()], [...set.values()]],
        });
      if (watermarks.removed.length > 0)
        statements.push({
          sql: 'DELETE FROM etl_watermarks WHERE job = $1 AND partition_key = ANY($2::text[])',
          params: [watermarks.job, [...watermarks.removed]],
        });
    }
    // one transaction sent as one message: the embedded row store is held only while the
    // statements run (a statement per watermark, each a trip through the event loop, held
    // API reads for seconds after a run over the history's partitions)
    await this.sql.batch(statements);
  }

  /** Partition key to fingerprint, as of the job's last successful run. */
  async watermarks(job: string): Promise<Map<string, string>> {
    const rows = await this.sql.query<{ partition_key: string; fingerprint: string }>(
      'SELECT partition_key, fingerprint FROM etl_watermarks WHERE job = $1',
      [job],
    );
    return new Map(rows.map((r) => [r.partition_key, r.fingerprint]));
  }

  /** Claims a cron slot; true for exactly one caller across every process sharing the store. */
  async claimSlot(job: string, slot: string, owner: string): Promise<boolean> {
    const rows = await this.sql.query(
      `INSERT INTO etl_slots (job, slot, claimed_by) VALUES ($1, $2, $3)
       ON CONFLICT (job, slot) DO NOTHING RETURNING job`,
      [job, slot, owner],
    );
    return rows.length === 1;
  }

  /** Takes the job's run lease for `ttlMs` unless a live one is held by someone else; returns the holder. */
  async acquireLease(job: string, owner: string, ttlMs: number): Promise<string> {
    const rows = await this.sql.query<{ owner: string }>(
      `INSERT INTO etl_leases (job, owner, expires_at)
       VALUES ($1, $2, now() + ($3::double precision * interval '1 millisecond'))
       ON CONFLICT (job) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
         WHERE etl_leases.expires_at < now() OR etl_leases.owner = EXCLUDED.owner
       RETURNING owner`,
      [job, owner, ttlMs],
    );
    if (rows.length === 1) return owner;
    const [held] = await this.sql.query<{ owner: string }>(
      'SELECT owner FROM etl_leases WHERE job = $1',
      [job],
    );
    return held?.owner ?? owner;
  }

  async releaseLease(job: string, owner: string): Promise<void> {
    await this.sql.query('DELETE FROM etl_leases WHERE job = $1 AND owner = $2', [job, owner]);
  }

  /** The latest attempts, newest first; of one job when `job` is given. */
  async runs(opts: { job?: string; limit?: number } = {}): Promise<RunRecord[]> {
    const rows = await this.sql.query<RunRow>(
      `SELECT * FROM etl_runs WHERE ($1::text IS NULL OR job = $1) ORDER BY id DESC LIMIT $2`,
      [opts.job ?? null, opts.limit ?? 20],
    );
    return rows.map(toRun);
  }

  /** Health of each job in `jobs` (jobs never run have no lastRun). */
  async health(jobs: readonly string[]): Promise<JobHealth[]> {
    const out: JobHealth[] = [];
    for (const job of jobs) {
      const [last] = await this.runs({ job, limit: 1 });
      const [ok] = await this.sql.query<{ id: string | number; ended_at: Date }>(
        `SELECT id, ended_at FROM etl_runs WHERE job = $1 AND status = 'succeeded' ORDER BY id DESC LIMIT 1`,
        [job],
      );
      const [fails] = await this.sql.query<{ n: string | number }>(
        `SELECT count(*) AS n FROM etl_runs WHERE job = $1 AND status = 'failed' AND id > $2`,
        [job, ok ? Number(ok.id) : 0],
      );
      out.push({
        job,
        ...(last ? { lastRun: last } : {}),
        ...(ok ? { lastSuccessAt: ok.ended_at } : {}),
        consecutiveFailures: Number(fails?.n ?? 0),
      });
    }
    return out;
  }

  /** Adds or replaces a table in the pond catalog. */
  async upsertTable(t: CatalogTable): Promise<void> {
    await this.sql.query(
      `INSERT INTO etl_tables (name, kind, location, partition_column, columns) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, location = EXCLUDED.location,
         partition_column = EXCLUDED.partition_column, columns = EXCLUDED.columns, updated_at = now()`,
      [t.name, t.kind, t.location, t.partitionColumn, JSON.stringify(t.columns)],
    );
  }

  /** Every catalogued pond and customer table. */
  async tables(): Promise<CatalogTable[]> {
    const rows = await this.sql.query<{
      name: string;
      kind: 'pond' | 'customer';
      location: string;
      partition_column: string | null;
      columns: { name: string; type: string }[];
    }>('SELECT name, kind, location, partition_column, columns FROM etl_tables ORDER BY name');
    return rows.map((r) => ({
      name: r.name,
      kind: r.kind,
      location: r.location,
      partitionColumn: r.partition_column,
      columns: r.columns,
    }));
  }
}
