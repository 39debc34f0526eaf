/**
 * The write side of an embedded stream: one SQLite connection that runs the group commit
 * (dedupe claims, aggregated entry rows, one transaction and one fsync per call),
 * retention and dedupe expiry. It runs in the writer thread (writer-thread.ts) so that the
 * transaction and its fsync never block the event loop that parses requests; it can also
 * run inline on the caller's thread (`EmbeddedStreamOptions.writerThread: false`).
 */
import Database from 'better-sqlite3';
import { type PackedRecord, packEntry, splitIntoEntries, unpackEntry } from '../aggregation.js';
import { SEALED_MESSAGE } from '../errors.js';
import { shardFor } from '../stream.js';
import { isBusy, sleepSync } from './sqlite-busy.js';

/** Everything the writer needs to open its connection. */
export interface StreamWriterOptions {
  file: string;
  shards: number;
  maxEntryBytes: number;
}

/**
 * One group commit: `records` is every record of the flush packed as one aggregate
 * (aggregation.ts), `counts` how many of them each append call brought, in order.
 * `dedupeCutoff` undefined disables dedupe; otherwise an id claimed at or after it is a
 * duplicate.
 */
export interface WriteRequest {
  records: Uint8Array;
  counts: readonly number[];
  now: number;
  dedupeCutoff: number | undefined;
}

const TRIM_CHUNK = 500;
const EXPIRE_CHUNK = 5000;
/** How long a write waits for another process's write lock before it fails. */
const LOCK_TIMEOUT_MS = 10_000;

/**
 * Runs `fn` (one transaction or one autocommit statement) until it gets the write lock,
 * for at most LOCK_TIMEOUT_MS. A busy failure rolled everything of `fn` back.
 */
function withLock<T>(fn: () => T): T {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      // the writer thread has nothing else to do while it waits for the lock
      sleepSync(Math.min(2, 0.05 * 2 ** attempt));
    }
  }
}

/** Lets other work (other messages, other callers) run between chunks of a long delete. */
const yieldTurn = () => new Promise<void>((r) => setImmediate(r));

export class StreamWriter {
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<StreamWriter['prepare']>;

  /** Opens the connection; the schema must already exist (EmbeddedStream.connect made it). */
  constructor(private readonly opts: StreamWriterOptions) {
    const db = new Database(opts.file);
    try {
      db.pragma('synchronous = FULL');
      // a write fails at once when another process holds the lock and withLock retries it
      // after a short sleep: SQLite's busy handler would sleep 1, 2, 5 ... 100 ms between
      // tries, far longer than another process's group commit holds the lock
      db.pragma('busy_timeout = 0');
      this.stmts = this.prepare(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
  }

  private prepare(db: Database.Database) {
    return {
      maxSeq: db
        .prepare('SELECT COALESCE(MAX(last_seq), 0) AS seq FROM entries WHERE shard = ?')
        .pluck(),
      insert: db.prepare(
        'INSERT INTO entries (shard, first_seq, last_seq, ts_min, ts_max, appended_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      // changes = 1: first sighting, or the earlier one is outside the window; 0: duplicate
      claimId: db.prepare(
        'INSERT INTO dedupe (id, at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at WHERE dedupe.at < ?',
      ),
      expireIds: db.prepare(
        'DELETE FROM dedupe WHERE id IN (SELECT id FROM dedupe WHERE at < ? LIMIT ?)',
      ),
      sealed: db.prepare("SELECT 1 FROM meta WHERE key = 'sealed'").pluck(),
      trim: db.prepare(
        'DELETE FROM entries WHERE rowid IN (SELECT rowid FROM entries WHERE ts_max < ? LIMIT ?) RETURNING last_seq - first_seq + 1 AS n',
      ),
    };
  }

  /**
   * Writes one group commit in one immediate transaction (sequences are re-read inside it,
   * so several processes may write the same database). Returns, per append call,
   * appended and duplicate counts, flattened: [appended0, duplicates0, appended1, ...].
   * Throws the SQLite error when the transaction failed (then nothing was written).
   */
  write(req: WriteRequest): number[] {
    return withLock(() => this.writeOnce(req));
  }

  private writeOnce(req: WriteRequest): number[] {
    const records = unpackEntry(req.records);
    const { now, dedupeCutoff } = req;
    const shards = this.opts.shards;
    const results: number[] = new Array(req.counts.length * 2);
    const seen = new Set<string>();
    this.db
      .transaction(() => {
        // a seal (EmbeddedStream.seal) commits before or after this transaction, never inside
        if (this.stmts.sealed.get() !== undefined) throw new Error(SEALED_MESSAGE);
        const perShard: PackedRecord[][] = Array.from({ length: shards }, () => []);
        let i = 0;
        for (let c = 0; c < req.counts.length; c++) {
          const end = i + req.counts[c]!;
          let dup = 0;
          for (; i < end; i++) {
            const r = records[i]!;
            if (
              seen.has(r.id) ||
              (dedupeCutoff !== undefined &&
                this.stmts.claimId.run(r.id, now, dedupeCutoff).changes === 0)
            ) {
              dup++;
              continue;
            }
            seen.add(r.id);
            perShard[shardFor(r.key, shards)]!.push(r);
          }
          results[2 * c] = req.counts[c]! - dup;
          results[2 * c + 1] = dup;
        }
        for (let shard = 0; shard < shards; shard++) {
          const recs = perShard[shard]!;
          if (recs.length === 0) continue;
          let seq = (this.stmts.maxSeq.get(shard) as number) + 1;
          for (const group of splitIntoEntries(recs, this.opts.maxEntryBytes)) {
            let tsMin = Number.POSITIVE_INFINITY;
            let tsMax = 0;
            for (const r of group) {
              if (r.timestamp < tsMin) tsMin = r.timestamp;
              if (r.timestamp > tsMax) tsMax = r.timestamp;
            }
            this.stmts.insert.run(
              shard,
              seq,
              seq + group.length - 1,
              tsMin,
              tsMax,
              now,
              packEntry(group),
            );
            seq += group.length;
          }
        }
      })
      .immediate();
    return results;
  }

  /**
   * Deletes entries whose newest record is older than `cutoff`, a few hundred rows per
   * transaction with a yield in between so appends keep going; returns the records removed.
   */
  async trim(cutoff: number): Promise<number> {
    let removed = 0;
    for (;;) {
      if (!this.db.open) break;
      const rows = withLock(() => this.stmts.trim.all(cutoff, TRIM_CHUNK)) as { n: number }[];
      for (const r of rows) removed += r.n;
      if (rows.length < TRIM_CHUNK) break;
      await yieldTurn();
    }
    return removed;
  }

  /** Forgets dedupe ids claimed before `cutoff`, a chunk per transaction. */
  async expireDedupe(cutoff: number): Promise<void> {
    for (;;) {
      if (!this.db.open) return;
      const expired = withLock(() => this.stmts.expireIds.run(cutoff, EXPIRE_CHUNK));
      if (expired.changes < EXPIRE_CHUNK) return;
      await yieldTurn();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The writer as EmbeddedStream uses it, on this thread (InlineWriter) or another (WriterThread). */
export interface Writer {
  /** See StreamWriter.write; `records`' buffer may be transferred (unusable afterwards). */
  write(req: WriteRequest): Promise<number[]>;
  trim(cutoff: number): Promise<number>;
  expireDedupe(cutoff: number): Promise<void>;
  /** Waits for the writes already requested, then closes the connection. */
  close(): Promise<void>;
}

/** StreamWriter on the caller's thread: each write blocks the event loop for its fsync. */
export class InlineWriter implements Writer {
  private readonly writer: StreamWriter;

  constructor(opts: StreamWriterOptions) {
    this.writer = new StreamWriter(opts);
  }

  write(req: WriteRequest): Promise<number[]> {
    try {
      return Promise.resolve(this.writer.write(req));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  trim(cutoff: number): Promise<number> {
    return this.writer.trim(cutoff);
  }

  expireDedupe(cutoff: number): Promise<void> {
    return this.writer.expireDedupe(cutoff);
  }

  async close(): Promise<void> {
    this.writer.close();
  }
}
