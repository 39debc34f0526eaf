/**
 * CheckpointStore on PostgreSQL (the row store: PGlite embedded, PostgreSQL or Aurora when
 * scaled out). Every operation is one statement, so it needs no transaction API and several
 * processes may share the database; compare-and-set steps lock the row they test
 * (`FOR UPDATE` in a CTE), so a commit and a rewind racing each other cannot both win.
 */
import { FencedError } from '../lease/lease-store.js';
import { LEASE_SCHEMA } from '../lease/sql-lease-store.js';
import type {
  CheckpointFence,
  CheckpointStore,
  IndexedEntry,
  IndexSummary,
  IndexTail,
  NewEntry,
  ShardPosition,
} from './checkpoint-store.js';

/**
 * The SQL the store needs: one statement with `$1..$n` parameters (arrays allowed), its
 * rows back. `bigint` columns may come back as numbers or strings. The row store's
 * SqlClient (PGlite or `pg`) fits as it is.
 */
export interface CheckpointSql {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS kinesis_streams (
    id SERIAL PRIMARY KEY, name TEXT NOT NULL, generation TEXT NOT NULL, UNIQUE (name, generation))`,
  `CREATE TABLE IF NOT EXISTS kinesis_tails (
    stream_id INT NOT NULL, shard INT NOT NULL, last_kseq TEXT, next_seq BIGINT NOT NULL,
    PRIMARY KEY (stream_id, shard))`,
  `CREATE TABLE IF NOT EXISTS kinesis_entries (
    stream_id INT NOT NULL, shard INT NOT NULL, kseq TEXT NOT NULL, first_seq BIGINT NOT NULL,
    n_records INT NOT NULL, ts_min BIGINT NOT NULL, ts_max BIGINT NOT NULL,
    arrival_ms BIGINT NOT NULL, trimmed BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (stream_id, shard, kseq))`,
  'CREATE INDEX IF NOT EXISTS kinesis_entries_seq ON kinesis_entries (stream_id, shard, first_seq)',
  `CREATE TABLE IF NOT EXISTS kinesis_groups (
    stream_id INT NOT NULL, grp TEXT NOT NULL, version INT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL, PRIMARY KEY (stream_id, grp))`,
  `CREATE TABLE IF NOT EXISTS kinesis_checkpoints (
    stream_id INT NOT NULL, grp TEXT NOT NULL, shard INT NOT NULL, seq BIGINT NOT NULL,
    kseq TEXT, after_entry BOOLEAN NOT NULL, PRIMARY KEY (stream_id, grp, shard))`,
  `CREATE TABLE IF NOT EXISTS kinesis_dedupe (
    stream_id INT NOT NULL, id TEXT NOT NULL, at_ms BIGINT NOT NULL, owner TEXT NOT NULL,
    stored BOOLEAN NOT NULL, PRIMARY KEY (stream_id, id))`,
  'CREATE INDEX IF NOT EXISTS kinesis_dedupe_at ON kinesis_dedupe (stream_id, at_ms)',
  // shard leases (SqlLeaseStore) beside the checkpoints, so a fenced save reads them
  ...LEASE_SCHEMA,
];

const ENTRY_COLS = 'kseq, first_seq, n_records, ts_min, ts_max, arrival_ms, trimmed';

interface EntryRow {
  kseq: string;
  first_seq: number | string;
  n_records: number | string;
  ts_min: number | string;
  ts_max: number | string;
  arrival_ms: number | string;
  trimmed: boolean;
}

function toEntry(r: EntryRow): IndexedEntry {
  return {
    kseq: r.kseq,
    firstSeq: Number(r.first_seq),
    count: Number(r.n_records),
    tsMin: Number(r.ts_min),
    tsMax: Number(r.ts_max),
    arrivalMs: Number(r.arrival_ms),
    trimmed: r.trimmed,
  };
}

function positionColumns(positions: ReadonlyMap<number, ShardPosition>) {
  const shards: number[] = [];
  const seqs: number[] = [];
  const kseqs: (string | null)[] = [];
  const after: boolean[] = [];
  for (const [shard, p] of positions) {
    shards.push(shard);
    seqs.push(p.seq);
    kseqs.push(p.kseq);
    after.push(p.afterEntry);
  }
  return [shards, seqs, kseqs, after];
}

const UPSERT_POSITIONS = `INSERT INTO kinesis_checkpoints (stream_id, grp, shard, seq, kseq, after_entry)
  SELECT $1, $2, c.shard, c.seq, c.kseq, c.after_entry
  FROM g, unnest($3::int[], $4::bigint[], $5::text[], $6::boolean[]) AS c(shard, seq, kseq, after_entry)
  ON CONFLICT (stream_id, grp, shard) DO UPDATE
    SET seq = excluded.seq, kseq = excluded.kseq, after_entry = excluded.after_entry
  RETURNING shard`;

export class SqlCheckpointStore implements CheckpointStore {
  private ready: Promise<void> | undefined;

  constructor(private readonly sql: CheckpointSql) {}

  init(): Promise<void> {
    this.ready ??= (async () => {
      for (const stmt of SCHEMA) {
        try {
          await this.sql.query(stmt);
        } catch {
          // two processes creating the same table at once: the loser retries and finds it
          await this.sql.query(stmt);
        }
      }
    })();
    return this.ready;
  }

  async registerStream(name: string, generation: string, shards: number): Promise<number> {
    await this.sql.query(
      'INSERT INTO kinesis_streams (name, generation) VALUES ($1, $2) ON CONFLICT (name, generation) DO NOTHING',
      [name, generation],
    );
    const [row] = await this.sql.query<{ id: number }>(
      'SELECT id FROM kinesis_streams WHERE name = $1 AND generation = $2',
      [name, generation],
    );
    const id = Number(row!.id);
    await this.sql.query(
      `INSERT INTO kinesis_tails (stream_id, shard, last_kseq, next_seq)
       SELECT $1, s, NULL, 1 FROM generate_series(0, $2::int - 1) AS s
       ON CONFLICT (stream_id, shard) DO NOTHING`,
      [id, shards],
    );
    return id;
  }

  async ensureGroup(streamId: number, group: string, now: number): Promise<void> {
    await this.sql.query(
      'INSERT INTO kinesis_groups (stream_id, grp, version, created_ms) VALUES ($1, $2, 0, $3) ON CONFLICT (stream_id, grp) DO NOTHING',
      [streamId, group, now],
    );
  }

  async groupVersion(streamId: number, group: string): Promise<number | undefined> {
    const [row] = await this.sql.query<{ version: number }>(
      'SELECT version FROM kinesis_groups WHERE stream_id = $1 AND grp = $2',
      [streamId, group],
    );
    return row ? Number(row.version) : undefined;
  }

  async groups(streamId: number): Promise<string[]> {
    const rows = await this.sql.query<{ grp: string }>(
      'SELECT grp FROM kinesis_groups WHERE stream_id = $1 ORDER BY grp',
      [streamId],
    );
    return rows.map((r) => r.grp);
  }

  async load(streamId: number, group: string, shard: number): Promise<ShardPosition | undefined> {
    return (await this.loadAll(streamId, group, shard)).get(shard);
  }

  async loadAll(
    streamId: number,
    group: string,
    shard?: number,
  ): Promise<Map<number, ShardPosition>> {
    const rows = await this.sql.query<{
      shard: number;
      seq: number | string;
      kseq: string | null;
      after_entry: boolean;
    }>(
      `SELECT shard, seq, kseq, after_entry FROM kinesis_checkpoints
       WHERE stream_id = $1 AND grp = $2 AND ($3::int IS NULL OR shard = $3::int)`,
      [streamId, group, shard ?? null],
    );
    return new Map(
      rows.map((r) => [
        Number(r.shard),
        { seq: Number(r.seq), kseq: r.kseq, afterEntry: r.after_entry },
      ]),
    );
  }

  async save(
    streamId: number,
    group: string,
    version: number,
    positions: ReadonlyMap<number, ShardPosition>,
    fence?: CheckpointFence,
  ): Promise<boolean> {
    if (positions.size === 0) return (await this.groupVersion(streamId, group)) === version;
    if (fence) return this.saveFenced(streamId, group, version, positions, fence);
    const rows = await this.sql.query(
      `WITH g AS (SELECT 1 FROM kinesis_groups WHERE stream_id = $1 AND grp = $2 AND version = $7 FOR UPDATE)
       ${UPSERT_POSITIONS}`,
      [streamId, group, ...positionColumns(positions), version],
    );
    return rows.length > 0;
  }

  /**
   * The save and the lease check in one statement: the lease rows of the batch's shards
   * are locked FOR SHARE, so an acquire racing the save waits for it (and a save racing
   * an acquire that committed first re-reads the moved epoch and saves nothing).
   */
  private async saveFenced(
    streamId: number,
    group: string,
    version: number,
    positions: ReadonlyMap<number, ShardPosition>,
    fence: CheckpointFence,
  ): Promise<boolean> {
    const shards = [...positions.keys()];
    const epochs = shards.map((s) => fence.epochs.get(s) ?? -1);
    const rows = await this.sql.query(
      `WITH held AS (
         SELECT l.shard FROM stream_leases l
         JOIN unnest($8::int[], $9::bigint[]) AS f(shard, epoch) ON l.shard = f.shard AND l.epoch = f.epoch
         WHERE l.stream = $10 AND l.grp = $2 AND l.owner = $11
         FOR SHARE OF l),
       g AS (SELECT 1 FROM kinesis_groups WHERE stream_id = $1 AND grp = $2 AND version = $7
             AND (SELECT count(*) FROM held) = $12 FOR UPDATE)
       ${UPSERT_POSITIONS}`,
      [
        streamId,
        group,
        ...positionColumns(positions),
        version,
        shards,
        epochs,
        fence.stream,
        fence.owner,
        shards.length,
      ],
    );
    if (rows.length > 0) return true;
    // nothing saved: a lease that moved on is the reason to report, else a rewind
    const leases = await this.sql.query<{
      shard: number | string;
      owner: string | null;
      epoch: number | string;
    }>('SELECT shard, owner, epoch FROM stream_leases WHERE stream = $1 AND grp = $2', [
      fence.stream,
      group,
    ]);
    const byShard = new Map(leases.map((l) => [Number(l.shard), l]));
    const lost = shards.filter((s, i) => {
      const l = byShard.get(s);
      return !l || l.owner !== fence.owner || Number(l.epoch) !== epochs[i];
    });
    if (lost.length > 0) throw FencedError.of(fence.stream, group, fence.owner, lost);
    return false;
  }

  async rewind(
    streamId: number,
    group: string,
    positions: ReadonlyMap<number, ShardPosition>,
    now: number,
  ): Promise<void> {
    await this.ensureGroup(streamId, group, now);
    await this.sql.query(
      `WITH g AS (UPDATE kinesis_groups SET version = version + 1 WHERE stream_id = $1 AND grp = $2 RETURNING version)
       ${UPSERT_POSITIONS}`,
      [streamId, group, ...positionColumns(positions)],
    );
  }

  async tail(streamId: number, shard: number): Promise<IndexTail> {
    const [row] = await this.sql.query<{ last_kseq: string | null; next_seq: number | string }>(
      'SELECT last_kseq, next_seq FROM kinesis_tails WHERE stream_id = $1 AND shard = $2',
      [streamId, shard],
    );
    if (!row) throw new Error(`stream ${streamId} has no shard ${shard} in the sequence index`);
    return { kseq: row.last_kseq, nextSeq: Number(row.next_seq) };
  }

  async lookup(
    streamId: number,
    shard: number,
    kseqs: readonly string[],
  ): Promise<Map<string, IndexedEntry>> {
    if (kseqs.length === 0) return new Map();
    const rows = await this.sql.query<EntryRow>(
      `SELECT ${ENTRY_COLS} FROM kinesis_entries WHERE stream_id = $1 AND shard = $2 AND kseq = ANY($3::text[])`,
      [streamId, shard, kseqs],
    );
    return new Map(rows.map((r) => [r.kseq, toEntry(r)]));
  }

  async extend(
    streamId: number,
    shard: number,
    prevKseq: string | null,
    entries: readonly NewEntry[],
  ): Promise<boolean> {
    if (entries.length === 0) return true;
    const offsets: number[] = [];
    let total = 0;
    for (const e of entries) {
      offsets.push(total);
      total += e.count;
    }
    const rows = await this.sql.query(
      `WITH t AS (
         UPDATE kinesis_tails SET last_kseq = $4, next_seq = next_seq + $5::bigint
         WHERE stream_id = $1 AND shard = $2 AND last_kseq IS NOT DISTINCT FROM $3::text
         RETURNING next_seq - $5::bigint AS base)
       INSERT INTO kinesis_entries (stream_id, shard, kseq, first_seq, n_records, ts_min, ts_max, arrival_ms)
       SELECT $1, $2, e.kseq, t.base + e.offs, e.n, e.ts_min, e.ts_max, e.arrival
       FROM t, unnest($6::text[], $7::bigint[], $8::int[], $9::bigint[], $10::bigint[], $11::bigint[])
         AS e(kseq, offs, n, ts_min, ts_max, arrival)
       RETURNING kseq`,
      [
        streamId,
        shard,
        prevKseq,
        entries.at(-1)!.kseq,
        total,
        entries.map((e) => e.kseq),
        offsets,
        entries.map((e) => e.count),
        entries.map((e) => e.tsMin),
        entries.map((e) => e.tsMax),
        entries.map((e) => e.arrivalMs),
      ],
    );
    return rows.length > 0;
  }

  async entryForSeq(
    streamId: number,
    shard: number,
    seq: number,
  ): Promise<IndexedEntry | undefined> {
    // two index probes (the entry holding seq, the next live one) instead of a scan
    const [row] = await this.sql.query<EntryRow>(
      `SELECT ${ENTRY_COLS} FROM (
         (SELECT ${ENTRY_COLS} FROM kinesis_entries WHERE stream_id = $1 AND shard = $2 AND first_seq <= $3
          ORDER BY first_seq DESC LIMIT 1)
         UNION ALL
         (SELECT ${ENTRY_COLS} FROM kinesis_entries WHERE stream_id = $1 AND shard = $2 AND first_seq > $3
          AND NOT trimmed ORDER BY first_seq LIMIT 1)
       ) x WHERE NOT trimmed AND first_seq + n_records > $3 ORDER BY first_seq LIMIT 1`,
      [streamId, shard, seq],
    );
    return row ? toEntry(row) : undefined;
  }

  async entryForTime(
    streamId: number,
    shard: number,
    time: number,
  ): Promise<IndexedEntry | undefined> {
    const [row] = await this.sql.query<EntryRow>(
      `SELECT ${ENTRY_COLS} FROM kinesis_entries WHERE stream_id = $1 AND shard = $2 AND NOT trimmed
       AND ts_max >= $3 ORDER BY first_seq LIMIT 1`,
      [streamId, shard, time],
    );
    return row ? toEntry(row) : undefined;
  }

  async countAfter(streamId: number, shard: number, afterSeq: number): Promise<number> {
    const [row] = await this.sql.query<{ n: number | string }>(
      `SELECT COALESCE(SUM(LEAST(n_records, first_seq + n_records - 1 - $3)), 0) AS n
       FROM kinesis_entries WHERE stream_id = $1 AND shard = $2 AND NOT trimmed
       AND first_seq + n_records - 1 > $3`,
      [streamId, shard, afterSeq],
    );
    return Number(row?.n ?? 0);
  }

  async summary(streamId: number, shard: number): Promise<IndexSummary> {
    const [row] = await this.sql.query<{
      n: number | string;
      lo: number | string | null;
      hi: number | string | null;
    }>(
      `SELECT COALESCE(SUM(n_records), 0) AS n, MIN(ts_min) AS lo, MAX(ts_max) AS hi
       FROM kinesis_entries WHERE stream_id = $1 AND shard = $2 AND NOT trimmed`,
      [streamId, shard],
    );
    return {
      records: Number(row?.n ?? 0),
      tsMin: row?.lo == null ? undefined : Number(row.lo),
      tsMax: row?.hi == null ? undefined : Number(row.hi),
    };
  }

  async trimBefore(streamId: number, cutoff: number): Promise<number> {
    const [row] = await this.sql.query<{ n: number | string }>(
      `WITH u AS (UPDATE kinesis_entries SET trimmed = true
         WHERE stream_id = $1 AND NOT trimmed AND ts_max < $2 RETURNING n_records)
       SELECT COALESCE(SUM(n_records), 0) AS n FROM u`,
      [streamId, cutoff],
    );
    return Number(row?.n ?? 0);
  }

  async prune(streamId: number, arrivalCutoff: number, dedupeCutoff: number): Promise<void> {
    await this.sql.query(
      `DELETE FROM kinesis_entries e WHERE e.stream_id = $1 AND e.arrival_ms < $2
       AND NOT EXISTS (SELECT 1 FROM kinesis_tails t
         WHERE t.stream_id = e.stream_id AND t.shard = e.shard AND t.last_kseq = e.kseq)`,
      [streamId, arrivalCutoff],
    );
    await this.sql.query('DELETE FROM kinesis_dedupe WHERE stream_id = $1 AND at_ms < $2', [
      streamId,
      dedupeCutoff,
    ]);
  }

  async claim(
    streamId: number,
    ids: readonly string[],
    owner: string,
    now: number,
    windowStart: number,
    claimStart: number,
  ): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.sql.query<{ id: string }>(
      `INSERT INTO kinesis_dedupe AS d (stream_id, id, at_ms, owner, stored)
       SELECT $1, i, $3, $4, false FROM unnest($2::text[]) AS i
       ON CONFLICT (stream_id, id) DO UPDATE SET at_ms = excluded.at_ms, owner = excluded.owner, stored = false
       WHERE d.at_ms < $5 OR (NOT d.stored AND d.at_ms < $6)
       RETURNING id`,
      [streamId, ids, now, owner, windowStart, claimStart],
    );
    return new Set(rows.map((r) => r.id));
  }

  async claimState(streamId: number, ids: readonly string[]): Promise<Map<string, boolean>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sql.query<{ id: string; stored: boolean }>(
      'SELECT id, stored FROM kinesis_dedupe WHERE stream_id = $1 AND id = ANY($2::text[])',
      [streamId, ids],
    );
    return new Map(rows.map((r) => [r.id, r.stored]));
  }

  async settle(
    streamId: number,
    owner: string,
    stored: readonly string[],
    released: readonly string[],
    now: number,
  ): Promise<void> {
    if (stored.length > 0) {
      await this.sql.query(
        'UPDATE kinesis_dedupe SET stored = true, at_ms = $4 WHERE stream_id = $1 AND id = ANY($2::text[]) AND owner = $3',
        [streamId, stored, owner, now],
      );
    }
    if (released.length > 0) {
      await this.sql.query(
        'DELETE FROM kinesis_dedupe WHERE stream_id = $1 AND id = ANY($2::text[]) AND owner = $3 AND NOT stored',
        [streamId, released, owner],
      );
    }
  }
}
