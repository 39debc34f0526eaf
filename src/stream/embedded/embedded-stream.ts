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
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { type PackedRecord, packEntry } from '../aggregation.js';
import {
  BackpressureError,
  NotConnectedError,
  SEALED_MESSAGE,
  StreamSealedError,
  StreamUnavailableError,
} from '../errors.js';
import type {
  AppendRecord,
  AppendResult,
  BatchPolicy,
  BrowseFrom,
  Consumer,
  ConsumerOptions,
  RewindTarget,
  ShardLag,
  Stream,
  StreamInfo,
  StreamOptions,
  StreamRecord,
} from '../stream.js';
import { EmbeddedConsumer } from './embedded-consumer.js';
import { EmbeddedLog, openLogDatabase } from './embedded-log.js';
import { InlineWriter, type Writer } from './stream-writer.js';
import { WriterThread, type WriterThreadEvent } from './writer-thread.js';

/**
 * Options of the embedded stream; defaults in brackets. `maxPendingRecords` counts the
 * records queued for the next flush.
 */
export interface EmbeddedStreamOptions extends StreamOptions {
  /** Directory holding `<name>.db`. */
  dir: string;
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
  private log!: EmbeddedLog;

  constructor(private readonly opts: EmbeddedStreamOptions) {
    this.name = opts.name;
    this.shards = opts.shards;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Deletes the database of stream `name` in `dir` (records, checkpoints, leases) for
   * good: a retired generation. Connections other processes still hold read on what
   * they had until they close; nothing new is written there. A missing one is no error.
   */
  static drop(dir: string, name: string): void {
    const file = join(dir, `${name}.db`);
    for (const f of [`${file}-wal`, `${file}-shm`, file]) rmSync(f, { force: true });
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
    const db = openLogDatabase(this.file, this.name, this.shards);
    try {
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
    this.log = new EmbeddedLog(db, this.shards);
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

  private get conn(): EmbeddedLog {
    if (!this.db) throw new NotConnectedError(`stream ${this.name} is not connected`);
    return this.log;
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
        const text = `stream ${this.name}: append failed: ${(err as Error).message}`;
        const e = (err as Error).message.includes(SEALED_MESSAGE)
          ? new StreamSealedError(text, { cause: err })
          : new StreamUnavailableError(text, { cause: err });
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
    for (const s of options.shards ?? [])
      if (!Number.isInteger(s) || s < 0 || s >= this.shards)
        throw new RangeError(`stream ${this.name} has no shard ${s} (0..${this.shards - 1})`);
    this.conn.ensureGroup(group, this.now());
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
    return this.log.groupVersion(group);
  }

  /** @internal Last committed sequence of the group on the shard (0 = none). */
  checkpoint(group: string, shard: number): number {
    return this.log.checkpoint(group, shard);
  }

  /**
   * @internal Commits checkpoints unless the group was rewound since the batch was read;
   * with a fence, refuses (FencedError) unless its owner still holds every shard.
   */
  commitCheckpoints(
    group: string,
    version: number,
    lastSeq: ReadonlyMap<number, number>,
    fence?: ConsumerOptions['fence'],
  ): boolean {
    return this.conn.commitCheckpoints(this.name, group, version, lastSeq, fence);
  }

  /** @internal Records of `shard` after `afterSeq`, at most about `max` (see EmbeddedLog). */
  readAfter(shard: number, afterSeq: number, max: number): StreamRecord[] {
    return this.log.readAfter(shard, afterSeq, max);
  }

  async browse(shard: number, from: BrowseFrom, limit: number): Promise<StreamRecord[]> {
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.shards)
      throw new RangeError(`stream ${this.name} has no shard ${shard} (0..${this.shards - 1})`);
    const log = this.conn;
    let after = ('seq' in from ? from.seq : log.firstSeqAtTime(shard, from.time)) - 1;
    const out: StreamRecord[] = [];
    while (out.length < limit) {
      const recs = log.readAfter(shard, after, limit - out.length);
      if (recs.length === 0) break;
      out.push(...recs.slice(0, limit - out.length));
      after = recs[recs.length - 1]!.seq;
    }
    return out;
  }

  async rewind(group: string, target: RewindTarget): Promise<void> {
    this.conn.rewind(group, target, this.now());
  }

  async lag(group?: string): Promise<ShardLag[]> {
    return this.log.lag(group, this.now());
  }

  /**
   * Refuses every append from now on (StreamSealedError), for good: appends committed
   * before stay readable. A seal commits between two append transactions, never inside one.
   */
  async seal(): Promise<void> {
    this.conn.seal();
  }

  /** Whether the stream was sealed (by this process or another). */
  async isSealed(): Promise<boolean> {
    return this.conn.isSealed();
  }

  async info(): Promise<StreamInfo> {
    return {
      name: this.name,
      backend: 'embedded',
      shards: this.shards,
      retentionMs: this.opts.retentionMs,
      ...this.conn.totals(),
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
