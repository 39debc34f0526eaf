/**
 * The read side of the embedded stream's SQLite database, on a connection of the
 * caller's thread: opening the file (pragmas, schema, the shard count it was created
 * with), reading entries, consumer groups and their checkpoints, rewind, lag and info.
 * Appends go through the writer (stream-writer.ts, writer-thread.ts) on a connection of
 * their own; WAL lets this one read meanwhile.
 */
import Database from 'better-sqlite3';
import { unpackEntry } from '../aggregation.js';
import { FencedError } from '../lease/lease-store.js';
import { LEASE_SCHEMA } from '../lease/sql-lease-store.js';
import type {
  ConsumerOptions,
  RewindTarget,
  ShardLag,
  StreamInfo,
  StreamRecord,
} from '../stream.js';
import { SCHEMA_SQL } from './schema.js';
import { isBusy, sleepSync } from './sqlite-busy.js';

/**
 * Opens (creating when missing) the database `file` of stream `name` in WAL mode with
 * synchronous=FULL and records its shard count; throws when it was created with another
 * one (grow a stream with generations instead: ../generations/). The caller closes the database.
 */
export function openLogDatabase(file: string, name: string, shards: number): Database.Database {
  // Processes that start together (lake writers sharing shards by lease) create the file
  // together: switching a new database to WAL needs it alone, and the loser gets
  // SQLITE_BUSY at once, whatever the busy timeout. It tries again.
  for (let attempt = 1; ; attempt++) {
    try {
      return openLogDatabaseOnce(file, name, shards);
    } catch (err) {
      if (!isBusy(err) || attempt >= OPEN_ATTEMPTS) throw err;
      sleepSync(20 * attempt);
    }
  }
}

/** Tries of openLogDatabase against a database another process is creating (about 10 s in all). */
const OPEN_ATTEMPTS = 30;

function openLogDatabaseOnce(file: string, name: string, shards: number): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 10000');
    // 16 KiB pages (new databases only): small group commits write less WAL than with
    // 64 KiB, checkpoints are shorter, and entries waste less of their last page
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA_SQL);
    for (const ddl of LEASE_SCHEMA) db.exec(ddl);
    // the first to record a count keeps it (another process may be creating it too)
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(
      'shards',
      String(shards),
    );
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get('shards') as {
      value: string;
    };
    if (Number(row.value) !== shards) {
      throw new Error(
        `stream ${name} was created with ${row.value} shards, config says ${shards}: keep the count in the config and grow it with "faresight stream reshard --shards M"`,
      );
    }
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function prepare(db: Database.Database) {
  return {
    maxSeq: db
      .prepare('SELECT COALESCE(MAX(last_seq), 0) AS seq FROM entries WHERE shard = ?')
      .pluck(),
    after: db.prepare(
      'SELECT first_seq, last_seq, payload FROM entries WHERE shard = ? AND last_seq > ? ORDER BY last_seq LIMIT ?',
    ),
    firstAtTime: db.prepare(
      'SELECT first_seq, payload FROM entries WHERE shard = ? AND ts_max >= ? ORDER BY first_seq LIMIT 1',
    ),
    minSeq: db.prepare('SELECT MIN(first_seq) FROM entries WHERE shard = ?').pluck(),
    checkpoint: db.prepare('SELECT seq FROM checkpoints WHERE grp = ? AND shard = ?').pluck(),
    setCheckpoint: db.prepare(
      'INSERT INTO checkpoints (grp, shard, seq) VALUES (?, ?, ?) ON CONFLICT (grp, shard) DO UPDATE SET seq = excluded.seq',
    ),
    groupVersion: db.prepare('SELECT version FROM groups WHERE grp = ?').pluck(),
    createGroup: db.prepare(
      'INSERT OR IGNORE INTO groups (grp, version, created_at) VALUES (?, 0, ?)',
    ),
    bumpGroup: db.prepare('UPDATE groups SET version = version + 1 WHERE grp = ?'),
    groups: db.prepare('SELECT grp FROM groups ORDER BY grp').pluck(),
    lease: db.prepare(
      'SELECT owner, epoch FROM stream_leases WHERE stream = ? AND grp = ? AND shard = ?',
    ),
    totals: db.prepare(
      'SELECT COALESCE(SUM(last_seq - first_seq + 1), 0) AS records, MIN(ts_min) AS oldest, MAX(ts_max) AS newest FROM entries',
    ),
  };
}

/** Reads, checkpoints and groups of one open stream database (see openLogDatabase). */
export class EmbeddedLog {
  private readonly stmts: ReturnType<typeof prepare>;

  constructor(
    private readonly db: Database.Database,
    private readonly shards: number,
  ) {
    this.stmts = prepare(db);
  }

  /** Creates the group when missing (its checkpoints start at 0). */
  ensureGroup(group: string, now: number): void {
    this.stmts.createGroup.run(group, now);
  }

  /** Marks the stream sealed: the writer refuses every later append (stream-writer.ts). */
  seal(): void {
    this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('sealed', '1')").run();
  }

  isSealed(): boolean {
    return this.db.prepare("SELECT 1 FROM meta WHERE key = 'sealed'").get() !== undefined;
  }

  /** Every group, by name. */
  groups(): string[] {
    return this.stmts.groups.all() as string[];
  }

  /** Version of the group's position; bumped by every rewind. */
  groupVersion(group: string): number {
    return (this.stmts.groupVersion.get(group) as number | undefined) ?? 0;
  }

  /** Last committed sequence of the group on the shard (0 = none). */
  checkpoint(group: string, shard: number): number {
    return (this.stmts.checkpoint.get(group, shard) as number | undefined) ?? 0;
  }

  /**
   * Commits checkpoints unless the group was rewound since the batch was read. With a
   * fence, throws FencedError (moving nothing) unless its owner still holds every shard of
   * the batch at its epoch: checked in the same transaction as the write.
   */
  commitCheckpoints(
    stream: string,
    group: string,
    version: number,
    lastSeq: ReadonlyMap<number, number>,
    fence?: ConsumerOptions['fence'],
  ): boolean {
    return this.db
      .transaction(() => {
        if (fence) {
          const lost: number[] = [];
          for (const shard of lastSeq.keys()) {
            const l = this.stmts.lease.get(stream, group, shard) as
              | { owner: string | null; epoch: number }
              | undefined;
            if (!l || l.owner !== fence.owner || l.epoch !== fence.epochs.get(shard))
              lost.push(shard);
          }
          if (lost.length > 0) throw FencedError.of(stream, group, fence.owner, lost);
        }
        if (this.groupVersion(group) !== version) return false;
        for (const [shard, seq] of lastSeq) this.stmts.setCheckpoint.run(group, shard, seq);
        return true;
      })
      .immediate();
  }

  /**
   * Records of `shard` after `afterSeq`, at most about `max` of them (whole entries).
   * Rows are fetched one at a time and the fetching stops once `max` records are in:
   * fetching all 64 the LIMIT allows (`all()`) copied up to 64 entries of up to 1 MB out
   * of SQLite to use the first few, which was most of a reader's time.
   */
  readAfter(shard: number, afterSeq: number, max: number): StreamRecord[] {
    const rows = this.stmts.after.iterate(
      shard,
      afterSeq,
      Math.max(1, Math.min(64, max)),
    ) as IterableIterator<{ first_seq: number; last_seq: number; payload: Buffer }>;
    const out: StreamRecord[] = [];
    for (const row of rows) {
      const recs = unpackEntry(row.payload);
      for (let i = 0; i < recs.length; i++) {
        const seq = row.first_seq + i;
        if (seq <= afterSeq) continue;
        const r = recs[i]!;
        out.push({ shard, seq, key: r.key, id: r.id, data: r.data, timestamp: r.timestamp });
      }
      if (out.length >= max) break;
    }
    return out;
  }

  /** Moves the group (created when missing) to `target`; RangeError for a shard out of range. */
  rewind(group: string, target: RewindTarget, now: number): void {
    this.ensureGroup(group, now);
    this.db
      .transaction(() => {
        if ('time' in target) {
          for (let shard = 0; shard < this.shards; shard++) {
            this.stmts.setCheckpoint.run(group, shard, this.firstSeqAtTime(shard, target.time) - 1);
          }
        } else {
          if (!Number.isInteger(target.shard) || target.shard < 0 || target.shard >= this.shards) {
            throw new RangeError(`shard ${target.shard} is not in 0..${this.shards - 1}`);
          }
          this.stmts.setCheckpoint.run(group, target.shard, Math.max(0, target.seq - 1));
        }
        this.stmts.bumpGroup.run(group);
      })
      .immediate();
  }

  /** First sequence of the shard whose record time is >= time (or the next sequence to be written). */
  firstSeqAtTime(shard: number, time: number): number {
    const row = this.stmts.firstAtTime.get(shard, time) as
      | { first_seq: number; payload: Buffer }
      | undefined;
    if (!row) return (this.stmts.maxSeq.get(shard) as number) + 1;
    const recs = unpackEntry(row.payload);
    const i = recs.findIndex((r) => r.timestamp >= time);
    return row.first_seq + Math.max(0, i);
  }

  /** Records after each group's checkpoint per shard, and the age of the first of them. */
  lag(group: string | undefined, now: number): ShardLag[] {
    const groups = group ? [group] : this.groups();
    const out: ShardLag[] = [];
    for (const g of groups) {
      for (let shard = 0; shard < this.shards; shard++) {
        const ckpt = this.checkpoint(g, shard);
        const max = this.stmts.maxSeq.get(shard) as number;
        const min = (this.stmts.minSeq.get(shard) as number | null) ?? max + 1;
        const records = Math.max(0, max - Math.max(ckpt, min - 1));
        let oldestAgeMs = 0;
        if (records > 0) {
          const next = this.readAfter(shard, ckpt, 1)[0];
          if (next) oldestAgeMs = Math.max(0, now - next.timestamp);
        }
        out.push({ group: g, shard, records, oldestAgeMs });
      }
    }
    return out;
  }

  /** Record count, oldest and newest record time, and the groups. */
  totals(): Pick<StreamInfo, 'records' | 'oldestTimestamp' | 'newestTimestamp' | 'groups'> {
    const row = this.stmts.totals.get() as {
      records: number;
      oldest: number | null;
      newest: number | null;
    };
    return {
      records: row.records,
      oldestTimestamp: row.oldest ?? undefined,
      newestTimestamp: row.newest ?? undefined,
      groups: this.groups(),
    };
  }
}
