/**
 * ETL runs and backfills started through the admin API (the Console, the CLI beside
 * `up`), kept in the ETL store so that they outlive the process that ran them and every
 * process on the store sees them. The process running one owns it: it writes its
 * progress and refreshes its heartbeat; an operation still `running` whose heartbeat is
 * stale was left by a process that is gone (failOrphaned).
 */
import type { SqlClient } from '../sql/sql-client.js';

export type OperationStatus = 'running' | 'succeeded' | 'failed';

/** One operation as stored (times as ISO strings, as the admin API shows them). */
export interface OperationRecord {
  id: string;
  job: string;
  kind: 'run' | 'backfill';
  from: string | null;
  to: string | null;
  total: number;
  done: number;
  rows: number;
  status: OperationStatus;
  step: string | null;
  message: string | null;
  error: string | null;
  startedAt: string;
  endedAt: string | null;
}

type OperationRow = {
  id: string;
  job: string;
  kind: 'run' | 'backfill';
  from_day: string | null;
  to_day: string | null;
  total: number;
  done: number;
  rows_out: string | number;
  status: OperationStatus;
  step: string | null;
  message: string | null;
  error: string | null;
  started_at: Date;
  ended_at: Date | null;
  orphaned: boolean;
};

const COLUMNS = `id, job, kind, from_day, to_day, total, done, rows_out, status, step, message,
  error, started_at, ended_at,
  (status = 'running' AND heartbeat_at < now() - ($1::double precision * interval '1 millisecond')) AS orphaned`;

function toOperation(r: OperationRow): OperationRecord & { orphaned: boolean } {
  return {
    id: r.id,
    job: r.job,
    kind: r.kind,
    from: r.from_day,
    to: r.to_day,
    total: r.total,
    done: r.done,
    rows: Number(r.rows_out),
    status: r.status,
    step: r.step,
    message: r.message,
    error: r.error,
    startedAt: r.started_at.toISOString(),
    endedAt: r.ended_at ? r.ended_at.toISOString() : null,
    orphaned: r.orphaned,
  };
}

export class EtlOperationStore {
  constructor(private readonly sql: SqlClient) {}

  /** Writes `op` as `owner` runs it (inserted at start, replaced at each step and at the end), refreshing its heartbeat. */
  async save(op: OperationRecord, owner: string): Promise<void> {
    await this.sql.query(
      `INSERT INTO etl_operations (id, job, kind, from_day, to_day, total, done, rows_out, status,
         step, message, error, started_at, ended_at, owner, heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, now())
       ON CONFLICT (id) DO UPDATE SET total = EXCLUDED.total, done = EXCLUDED.done,
         rows_out = EXCLUDED.rows_out, status = EXCLUDED.status, step = EXCLUDED.step,
         message = EXCLUDED.message, error = EXCLUDED.error, ended_at = EXCLUDED.ended_at,
         owner = EXCLUDED.owner, heartbeat_at = now()`,
      [
        op.id,
        op.job,
        op.kind,
        op.from,
        op.to,
        op.total,
        op.done,
        op.rows,
        op.status,
        op.step,
        op.message,
        op.error,
        op.startedAt,
        op.endedAt,
        owner,
      ],
    );
  }

  /** Tells the other processes that the operations `ids` (still running) have a live process. */
  async heartbeat(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(
      `UPDATE etl_operations SET heartbeat_at = now() WHERE id = ANY($1::text[]) AND status = 'running'`,
      [ids],
    );
  }

  /**
   * One operation, or undefined; `orphaned` when it is running but its heartbeat is older
   * than `staleMs` (by the database's clock, the same for every process).
   */
  async get(
    id: string,
    staleMs: number,
  ): Promise<(OperationRecord & { orphaned: boolean }) | undefined> {
    const [row] = await this.sql.query<OperationRow>(
      `SELECT ${COLUMNS} FROM etl_operations WHERE id = $2`,
      [staleMs, id],
    );
    return row ? toOperation(row) : undefined;
  }

  /** The latest `limit` operations, newest first, each with `orphaned` as get() gives it. */
  async list(limit: number, staleMs: number): Promise<(OperationRecord & { orphaned: boolean })[]> {
    const rows = await this.sql.query<OperationRow>(
      `SELECT ${COLUMNS} FROM etl_operations ORDER BY seq DESC LIMIT $2`,
      [staleMs, limit],
    );
    return rows.map(toOperation);
  }

  /**
   * Marks failed the running operations whose process is gone: those whose heartbeat is
   * older than `staleMs`, and with `allBut`, every one not owned by `allBut` (for a store
   * only one process can open). The error names the owner. Returns the ids marked.
   */
  async failOrphaned(opts: { staleMs: number; allBut?: string }): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `UPDATE etl_operations
       SET status = 'failed', step = NULL, ended_at = now(),
         error = 'the process running it (' || owner || ') stopped before it finished'
       WHERE status = 'running'
         AND (heartbeat_at < now() - ($1::double precision * interval '1 millisecond')
              OR ($2::text IS NOT NULL AND owner <> $2::text))
       RETURNING id`,
      [opts.staleMs, opts.allBut ?? null],
    );
    return rows.map((r) => r.id);
  }

  /** Forgets the finished operations older than the newest `keep`. */
  async prune(keep: number): Promise<void> {
    await this.sql.query(
      `DELETE FROM etl_operations WHERE status <> 'running' AND seq <= (
         SELECT seq FROM etl_operations ORDER BY seq DESC OFFSET $1 LIMIT 1)`,
      [keep],
    );
  }
}
