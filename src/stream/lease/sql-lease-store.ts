/**
 * LeaseStore on SQL: PostgreSQL (beside the row store) or SQLite (the embedded stream's
 * own database, see embedded/embedded-lease-sql.ts). Each step is one statement, so it
 * needs no transaction API; an acquire is one conditional UPDATE, so two members racing
 * for a shard cannot both win.
 */
import { FencedError, type Lease, type LeaseStore, type Member } from './lease-store.js';

/**
 * The SQL the store needs: one statement with `$1..$n` parameters, its rows back
 * (`bigint` columns may come back as strings). The row store's SqlClient fits as it is.
 */
export interface LeaseSql {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** The tables; shared by the SQLite database of the embedded stream (commit checks). */
export const LEASE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS stream_leases (
    stream TEXT NOT NULL, grp TEXT NOT NULL, shard INTEGER NOT NULL, owner TEXT,
    epoch BIGINT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (stream, grp, shard))`,
  `CREATE TABLE IF NOT EXISTS stream_lease_members (
    stream TEXT NOT NULL, grp TEXT NOT NULL, owner TEXT NOT NULL, expires_at BIGINT NOT NULL,
    PRIMARY KEY (stream, grp, owner))`,
];

interface LeaseRow {
  stream: string;
  grp: string;
  shard: number | string;
  owner: string | null;
  epoch: number | string;
  expires_at: number | string;
}

const toLease = (r: LeaseRow): Lease => ({
  stream: r.stream,
  group: r.grp,
  shard: Number(r.shard),
  owner: r.owner ?? undefined,
  epoch: Number(r.epoch),
  expiresAt: Number(r.expires_at),
});

export class SqlLeaseStore implements LeaseStore {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly sql: LeaseSql,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  private schema(): Promise<void> {
    this.ready ??= (async () => {
      for (const s of LEASE_SCHEMA) await this.sql.query(s);
    })().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async init(stream: string, group: string, shards: number): Promise<void> {
    await this.schema();
    for (let shard = 0; shard < shards; shard++)
      await this.sql.query(
        `INSERT INTO stream_leases (stream, grp, shard, owner, epoch, expires_at)
         VALUES ($1, $2, $3, NULL, 0, 0) ON CONFLICT (stream, grp, shard) DO NOTHING`,
        [stream, group, shard],
      );
  }

  async heartbeat(stream: string, group: string, owner: string, ttlMs: number, now: number) {
    await this.schema();
    await this.sql.query(
      `INSERT INTO stream_lease_members (stream, grp, owner, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (stream, grp, owner) DO UPDATE SET expires_at = excluded.expires_at`,
      [stream, group, owner, now + ttlMs],
    );
    // members killed long ago: their rows would otherwise stay forever
    await this.sql.query(
      'DELETE FROM stream_lease_members WHERE stream = $1 AND grp = $2 AND expires_at < $3',
      [stream, group, now - 3_600_000],
    );
  }

  async leave(stream: string, group: string, owner: string): Promise<void> {
    await this.schema();
    await this.sql.query(
      'DELETE FROM stream_lease_members WHERE stream = $1 AND grp = $2 AND owner = $3',
      [stream, group, owner],
    );
  }

  async members(stream: string, group: string, now: number): Promise<Member[]> {
    await this.schema();
    const rows = await this.sql.query<{ owner: string; expires_at: number | string }>(
      `SELECT owner, expires_at FROM stream_lease_members
       WHERE stream = $1 AND grp = $2 AND expires_at > $3 ORDER BY owner`,
      [stream, group, now],
    );
    return rows.map((r) => ({ owner: r.owner, expiresAt: Number(r.expires_at) }));
  }

  async leases(stream: string, group?: string): Promise<Lease[]> {
    await this.schema();
    const rows =
      group === undefined
        ? await this.sql.query<LeaseRow>(
            'SELECT * FROM stream_leases WHERE stream = $1 ORDER BY grp, shard',
            [stream],
          )
        : await this.sql.query<LeaseRow>(
            'SELECT * FROM stream_leases WHERE stream = $1 AND grp = $2 ORDER BY shard',
            [stream, group],
          );
    return rows.map(toLease);
  }

  async acquire(
    stream: string,
    group: string,
    shard: number,
    owner: string,
    ttlMs: number,
    now: number,
  ): Promise<Lease | undefined> {
    await this.schema();
    const rows = await this.sql.query<LeaseRow>(
      `UPDATE stream_leases
       SET epoch = CASE WHEN owner = $4 THEN epoch ELSE epoch + 1 END,
           owner = $4, expires_at = $5
       WHERE stream = $1 AND grp = $2 AND shard = $3
         AND (owner IS NULL OR owner = $4 OR expires_at <= $6)
       RETURNING *`,
      [stream, group, shard, owner, now + ttlMs, now],
    );
    return rows[0] ? toLease(rows[0]) : undefined;
  }

  async renew(
    stream: string,
    group: string,
    owner: string,
    epochs: ReadonlyMap<number, number>,
    ttlMs: number,
    now: number,
  ): Promise<number[]> {
    await this.schema();
    const kept: number[] = [];
    for (const [shard, epoch] of epochs) {
      const rows = await this.sql.query(
        `UPDATE stream_leases SET expires_at = $6
         WHERE stream = $1 AND grp = $2 AND shard = $3 AND owner = $4 AND epoch = $5
         RETURNING shard`,
        [stream, group, shard, owner, epoch, now + ttlMs],
      );
      if (rows.length > 0) kept.push(shard);
    }
    return kept;
  }

  async release(
    stream: string,
    group: string,
    owner: string,
    epochs: ReadonlyMap<number, number>,
  ): Promise<void> {
    await this.schema();
    for (const [shard, epoch] of epochs)
      await this.sql.query(
        `UPDATE stream_leases SET owner = NULL, expires_at = 0
         WHERE stream = $1 AND grp = $2 AND shard = $3 AND owner = $4 AND epoch = $5`,
        [stream, group, shard, owner, epoch],
      );
  }

  async check(
    stream: string,
    group: string,
    owner: string,
    epochs: ReadonlyMap<number, number>,
  ): Promise<void> {
    if (epochs.size === 0) return;
    const byShard = new Map((await this.leases(stream, group)).map((l) => [l.shard, l]));
    const lost: number[] = [];
    for (const [shard, epoch] of epochs) {
      const l = byShard.get(shard);
      if (!l || l.owner !== owner || l.epoch !== epoch) lost.push(shard);
    }
    if (lost.length > 0) throw FencedError.of(stream, group, owner, lost);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
