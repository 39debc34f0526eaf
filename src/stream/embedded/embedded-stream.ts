/**
 * The embedded stream: a durable local log in one SQLite database per stream (WAL mode,
 * synchronous=FULL), the default backend. Appends from every caller are queued and
 * written together in one transaction (group commit), so durability costs one fsync per
 * flush rather than one per record; many records share one aggregated entry row. The
 * transaction and its fsync run on a writer thread (writer-thread.ts) with its own
 * connection: the appends of one event-loop turn travel there as one message, and while
 * one flush is on the disk the next turns' appends queue up for the following one, so
 * the event loop parses requests while the disk works. Readers and checkpoints use a
 * connection of the caller's thread (WAL lets them read meanwhile). An append resolves
 * only after its transaction committed. SQLite's WAL checksums detect a torn write after
 * `kill -9` and roll it back, so an acknowledged record is never lost and a partial one
 * never seen. Checkpoints live in the same database; several processes may open it
 * (SQLite locks serialise writers; sequences are re-read inside each write transaction).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type PackedRecord, packEntry, unpackEntry } from '../aggregation.js';
import { BackpressureError, NotConnectedError, StreamUnavailableError } from '../errors.js';
import { FencedError } from '../lease/lease-store.js';
import { LEASE_SCHEMA } from '../lease/sql-lease-store.js';
import type {
  AppendRecord,
  AppendResult,
  BatchPolicy,
  Consumer,
  ConsumerOptions,
  RewindTarget,
  ShardLag,
  Stream,
  StreamInfo,
  StreamRecord,
} from '../stream.js';
import { EmbeddedConsumer } from './embedded-consumer.js';
import { SCHEMA_SQL } from './schema.js';
import { InlineWriter, type Writer } from './stream-writer.js';
import { WriterThread, type WriterThreadEvent } from './writer-thread.js';

/** Options of the embedded stream; defaults in brackets. */
export interface EmbeddedStreamOptions {
  /** Directory holding `<name>.db`. */
  dir: string;
  name: string;
  shards: number;
  retentionMs: number;
  dedupeWindowMs: number;
  /** Records queued for the next flush before appends get BackpressureError [200,000]. */
  maxPendingRecords?: number;
  /** Upper bound of one aggregated entry [1 MiB]. */
  maxEntryBytes?: number;
  /** How often retention runs [60 s]; 0 disables the timer (call trim yourself). */
  trimIntervalMs?: number;
  /** How often an idle reader looks for appends made by other processes [100 ms]. */
  pollIntervalMs?: number;
  /**
   * Run the group commit on a worker thread [true]; false writes on the caller's thread,
   * blocking its event loop for every transaction and fsync.
   */
  writerThread?: boolean;
  /**
   * Told when the writer thread dies and when a new one has taken over (the thread
   * restarts itself, see writer-thread.ts); for logs. Must not throw.
   */
  onWriterEvent?: (e: WriterThreadEvent) => void;
  /** Clock, for tests. */
  now?: () => number;
}

interface Pending {
  records: PackedRecord[];
  resolve: (r: AppendResult) => void;
  reject: (e: Error) => void;
}

const DEFAULT_MAX_PENDING = 200_000;
const DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024;
/**
 * Flushes on their way to the disk at once. One: the next flush collects every append
 * made meanwhile, which makes the groups larger (measured: a second one in flight, which
 * would keep the writer busy between replies, was not faster on a 2-core machine).
 */
const MAX_IN_FLIGHT = 1;

export class EmbeddedStream implements Stream {
  readonly name: string;
  readonly shards: number;
  private db: Database.Database | undefined;
  private writer: Writer | undefined;
  private pending: Pending[] = [];
  /** Records queued or on their way to the disk (what backpressure counts). */
  private pendingCount = 0;
  private flushScheduled = false;
  /** Flushes sent to the writer and not yet settled, and the last of them. */
  private inFlight = 0;
  private lastFlush: Promise<void> | undefined;
  private connecting: Promise<void> | undefined;
  private trimTimer: NodeJS.Timeout | undefined;
  private dedupeTimer: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly consumers = new Set<EmbeddedConsumer>();
  private readonly now: () => number;
  private stmts!: ReturnType<EmbeddedStream['prepare']>;

  constructor(private readonly opts: EmbeddedStreamOptions) {
    this.name = opts.name;
    this.shards = opts.shards;
    this.now = opts.now ?? Date.now;
  }

  /** Path of the database file. */
  get file(): string {
    return join(this.opts.dir, `${this.name}.db`);
  }

  connect(): Promise<void> {
    if (this.db) return Promise.resolve();
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    mkdirSync(this.opts.dir, { recursive: true });
    const db = new Database(this.file);
    try {
      // 16 KiB pages (new databases only): small group commits write less WAL than with
      // 64 KiB, checkpoints are shorter, and entries waste less of their last page
      db.pragma('page_size = 16384');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 10000');
      db.exec(SCHEMA_SQL);
      for (const ddl of LEASE_SCHEMA) db.exec(ddl);
      const row = db.prepare('SELECT value FROM meta WHERE key = ?').get('shards') as
        | { value: string }
        | undefined;
      if (!row)
        db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(
          'shards',
          String(this.shards),
        );
      else if (Number(row.value) !== this.shards) {
        throw new Error(
          `stream ${this.name} was created with ${row.value} shards, config says ${this.shards}; resharding is not supported`,
        );
      }
      const writerOpts = {
        file: this.file,
        shards: this.shards,
        maxEntryBytes: this.opts.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES,
      };
      this.writer =
        this.opts.writerThread === false
          ? new InlineWriter(writerOpts)
          : await WriterThread.start(writerOpts, { onEvent: this.opts.onWriterEvent });
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    this.stmts = this.prepare(db);
    if (this.opts.dedupeWindowMs > 0) {
      this.dedupeTimer = setInterval(
        () => {
          this.expireDedupe().catch(() => {});
        },
        Math.max(1000, Math.min(10_000, this.opts.dedupeWindowMs / 4)),
      );
      this.dedupeTimer.unref();
    }
    const every = this.opts.trimIntervalMs ?? 60_000;
    if (every > 0) {
      this.trimTimer = setInterval(() => {
        this.trim().catch(() => {});
      }, every);
      this.trimTimer.unref();
    }
  }

  private prepare(db: Database.Database) {
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
    };
  }

  private get conn(): Database.Database {
    if (!this.db) throw new NotConnectedError(`stream ${this.name} is not connected`);
    return this.db;
  }

  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    if (!this.db)
      return Promise.reject(new NotConnectedError(`stream ${this.name} is not connected`));
    if (records.length === 0) return Promise.resolve({ appended: 0, duplicates: 0 });
    const limit = this.opts.maxPendingRecords ?? DEFAULT_MAX_PENDING;
    if (this.pendingCount + records.length > limit && this.pendingCount > 0) {
      return Promise.reject(
        new BackpressureError(
          `stream ${this.name}: ${this.pendingCount} records waiting for the disk`,
          200,
        ),
      );
    }
    if (records.length > limit) {
      return Promise.reject(
        new BackpressureError(
          `stream ${this.name}: an append of ${records.length} records exceeds ${limit}`,
          1000,
        ),
      );
    }
    const now = this.now();
    const packed = records.map((r) => ({
      key: r.key,
      id: r.id,
      data: r.data,
      timestamp: r.timestamp ?? now,
    }));
    return new Promise((resolve, reject) => {
      this.pending.push({ records: packed, resolve, reject });
      this.pendingCount += packed.length;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Sends every queued append to the writer as one transaction, unless a flush is still
   * on the disk: then its completion sends them. Settles each append with its result.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const writer = this.writer;
    if (!writer) {
      this.pendingCount = 0;
      for (const p of batch) p.reject(new NotConnectedError(`stream ${this.name} is closed`));
      return;
    }
    const counts: number[] = new Array(batch.length);
    let total = 0;
    for (let i = 0; i < batch.length; i++) total += counts[i] = batch[i]!.records.length;
    const all: PackedRecord[] = batch.length === 1 ? batch[0]!.records : new Array(total);
    if (batch.length > 1) {
      let k = 0;
      for (const p of batch) for (const r of p.records) all[k++] = r;
    }
    const now = this.now();
    const write = writer.write({
      records: packEntry(all, Buffer.allocUnsafeSlow),
      counts,
      now,
      dedupeCutoff: this.opts.dedupeWindowMs > 0 ? now - this.opts.dedupeWindowMs : undefined,
    });
    this.inFlight++;
    this.lastFlush = write.then(
      (results) => {
        this.landed(total);
        for (let i = 0; i < batch.length; i++) {
          batch[i]!.resolve({ appended: results[2 * i]!, duplicates: results[2 * i + 1]! });
        }
        for (const w of this.waiters) w();
      },
      (err) => {
        this.landed(total);
        const e = new StreamUnavailableError(
          `stream ${this.name}: append failed: ${(err as Error).message}`,
          { cause: err },
        );
        for (const p of batch) p.reject(e);
      },
    );
  }

  /** A flush of `records` is over: the next one may go. */
  private landed(records: number): void {
    this.inFlight--;
    this.pendingCount -= records;
    this.flush();
  }

  async consumer(
    group: string,
    policy: BatchPolicy,
    options: ConsumerOptions = {},
  ): Promise<Consumer> {
    this.conn;
    for (const s of options.shards ?? [])
      if (!Number.isInteger(s) || s < 0 || s >= this.shards)
        throw new RangeError(`stream ${this.name} has no shard ${s} (0..${this.shards - 1})`);
    this.stmts.createGroup.run(group, this.now());
    const c = new EmbeddedConsumer(this, group, policy, this.opts.pollIntervalMs ?? 100, options);
    this.consumers.add(c);
    return c;
  }

  /** @internal Registers a wake-up for readers waiting on new data; returns the unregister function. */
  onAppend(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  /** @internal */
  forgetConsumer(c: EmbeddedConsumer): void {
    this.consumers.delete(c);
  }

  /** @internal Version of the group's position; bumped by every rewind. */
  groupVersion(group: string): number {
    return (this.stmts.groupVersion.get(group) as number | undefined) ?? 0;
  }

  /** @internal Last committed sequence of the group on the shard (0 = none). */
  checkpoint(group: string, shard: number): number {
    return (this.stmts.checkpoint.get(group, shard) as number | undefined) ?? 0;
  }

  /**
   * @internal Commits checkpoints unless the group was rewound since the batch was read.
   * With a fence, throws FencedError (moving nothing) unless its owner still holds every
   * shard of the batch at its epoch: checked in the same transaction as the write.
   */
  commitCheckpoints(
    group: string,
    version: number,
    lastSeq: ReadonlyMap<number, number>,
    fence?: ConsumerOptions['fence'],
  ): boolean {
    return this.conn
      .transaction(() => {
        if (fence) {
          const lost: number[] = [];
          for (const shard of lastSeq.keys()) {
            const l = this.stmts.lease.get(this.name, group, shard) as
              | { owner: string | null; epoch: number }
              | undefined;
            if (!l || l.owner !== fence.owner || l.epoch !== fence.epochs.get(shard))
              lost.push(shard);
          }
          if (lost.length > 0)
            throw new FencedError(
              `group ${group} of stream ${this.name}: ${fence.owner} no longer holds shard(s) ${lost.join(', ')}; commit refused`,
              lost,
            );
        }
        if (this.groupVersion(group) !== version) return false;
        for (const [shard, seq] of lastSeq) this.stmts.setCheckpoint.run(group, shard, seq);
        return true;
      })
      .immediate();
  }

  /**
   * @internal Records of `shard` after `afterSeq`, at most about `max` of them (whole
   * entries). Rows are fetched one at a time and the fetching stops once `max` records
   * are in: fetching all 64 the LIMIT allows (`all()`) copied up to 64 entries of up to
   * 1 MB out of SQLite to use the first few, which was most of a reader's time.
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

  async rewind(group: string, target: RewindTarget): Promise<void> {
    const db = this.conn;
    this.stmts.createGroup.run(group, this.now());
    db.transaction(() => {
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
    }).immediate();
  }

  /** First sequence of the shard whose record time is >= time (or the next sequence to be written). */
  private firstSeqAtTime(shard: number, time: number): number {
    const row = this.stmts.firstAtTime.get(shard, time) as
      | { first_seq: number; payload: Buffer }
      | undefined;
    if (!row) return (this.stmts.maxSeq.get(shard) as number) + 1;
    const recs = unpackEntry(row.payload);
    const i = recs.findIndex((r) => r.timestamp >= time);
    return row.first_seq + Math.max(0, i);
  }

  async lag(group?: string): Promise<ShardLag[]> {
    const groups = group ? [group] : (this.stmts.groups.all() as string[]);
    const now = this.now();
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

  async info(): Promise<StreamInfo> {
    const row = this.conn
      .prepare(
        'SELECT COALESCE(SUM(last_seq - first_seq + 1), 0) AS records, MIN(ts_min) AS oldest, MAX(ts_max) AS newest FROM entries',
      )
      .get() as { records: number; oldest: number | null; newest: number | null };
    return {
      name: this.name,
      backend: 'embedded',
      shards: this.shards,
      retentionMs: this.opts.retentionMs,
      records: row.records,
      oldestTimestamp: row.oldest ?? undefined,
      newestTimestamp: row.newest ?? undefined,
      groups: this.stmts.groups.all() as string[],
    };
  }

  /**
   * Deletes entries whose newest record is older than the retention, a few hundred rows
   * per transaction on the writer, so appends and reads keep going.
   */
  async trim(now: number = this.now()): Promise<number> {
    this.conn;
    return this.writer!.trim(now - this.opts.retentionMs);
  }

  /** Forgets dedupe ids older than the window, a chunk per transaction. */
  private async expireDedupe(): Promise<void> {
    if (!this.writer) return;
    await this.writer.expireDedupe(this.now() - this.opts.dedupeWindowMs);
  }

  /** Writes what was appended before the call, then closes. */
  async close(): Promise<void> {
    if (this.connecting) await this.connecting.catch(() => {});
    if (!this.db) return;
    if (this.trimTimer) clearInterval(this.trimTimer);
    if (this.dedupeTimer) clearInterval(this.dedupeTimer);
    for (;;) {
      this.flush();
      if (this.inFlight === 0) break;
      await this.lastFlush;
    }
    if (!this.db) return;
    const db = this.db;
    const writer = this.writer;
    this.db = undefined;
    this.writer = undefined;
    for (const c of [...this.consumers]) await c.close();
    for (const w of this.waiters) w();
    await writer?.close();
    db.close();
  }

  /** @internal */
  get isOpen(): boolean {
    return this.db !== undefined;
  }
}
