/**
 * The stream contract on Amazon Kinesis Data Streams (AWS SDK v3), the AWS-native backend.
 * Kinesis stores and orders the data; what Kinesis does not keep lives in a
 * CheckpointStore (the row store), as the KCL keeps its lease table:
 *
 * - Routing: shard index `shardFor(key)` is the i-th Kinesis shard ordered by starting
 *   hash key, addressed with ExplicitHashKey = that shard's starting hash key.
 * - Aggregation: records are packed per shard into entries of at most 1 MiB (the Kinesis
 *   record limit, less the partition key) and sent with PutRecords, at most 500 entries
 *   or 5 MiB per call, one entry per shard per call (see KinesisProducer).
 * - Sequences: Kinesis sequence numbers are ~56-digit decimals and an entry holds many
 *   records, so `seq` comes from a sequence index in the store that numbers entries in
 *   Kinesis order (see checkpoint-store.ts and SequenceIndex). Re-reads give the same seq.
 * - Checkpoints: per group and shard, the last consumed seq with its entry's Kinesis
 *   sequence number; readers resume with AFTER_SEQUENCE_NUMBER (or AT_SEQUENCE_NUMBER
 *   inside an entry), new groups with TRIM_HORIZON.
 * - Rewind by time uses the index's per-entry record-time range, not AT_TIMESTAMP: the
 *   contract's time is the record timestamp (ingest receive time), which Kinesis's arrival
 *   time only approximates, and seqs must be assigned in order anyway.
 * - Dedupe: Kinesis has none. Ids are claimed in the store before the put and marked
 *   stored after it (released when it fails), so an id appended twice within the window
 *   is stored once, also across processes. A process killed between the put and the
 *   mark leaves a claim that expires after 30 s: the retry then stores the record again
 *   (at-least-once, never lost).
 * - Retention: Kinesis expires records by arrival time after its RetentionPeriodHours
 *   (24 h minimum; raised with IncreaseStreamRetentionPeriod when the configured retention
 *   is longer). `trim` applies the configured retention on record timestamps logically:
 *   entries whose newest record is older are marked in the index and skipped by readers,
 *   so a retention under 24 h behaves as on the other backends.
 * - Lag and info count records through the index, after indexing each shard to its end
 *   (reading from Kinesis what no reader has read yet); oldestAgeMs reads the first
 *   uncommitted record's timestamp.
 * - Shard leases (scale-out): the SQL lease store's tables live in the checkpoint store's
 *   database; a consumer with `shards` reads only those, and with a `fence` its checkpoint
 *   save checks the leases in the same statement (FencedError when an epoch moved on).
 * - Resharding is not supported: the stream must have exactly `shards` open shards and no
 *   closed ones.
 */
import { randomUUID } from 'node:crypto';
import { DeleteStreamCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { packEntry, packedSize, splitIntoEntries, withTimestamps } from '../aggregation.js';
import { BackpressureError, NotConnectedError } from '../errors.js';
import {
  type AppendRecord,
  type AppendResult,
  type BatchPolicy,
  type BrowseFrom,
  type Consumer,
  type ConsumerOptions,
  type RewindTarget,
  type ShardLag,
  type Stream,
  type StreamInfo,
  type StreamOptions,
  type StreamRecord,
  shardFor,
} from '../stream.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { CLAIM_TIMEOUT_MS, claimIds } from './claim-ids.js';
import { browseShard } from './kinesis-browse.js';
import { createKinesisClient, isNotFound, type KinesisConnection } from './kinesis-client.js';
import { KinesisConsumer } from './kinesis-consumer.js';
import { catchUpAll, rewindPositions, shardLags, streamTotals } from './kinesis-positions.js';
import { KinesisProducer, type PutEntry } from './kinesis-producer.js';
import { prepareKinesisStream } from './prepare-kinesis-stream.js';
import { SequenceIndex } from './sequence-index.js';
import { type CursorStart, type EntryCursor, ShardCursor } from './shard-cursor.js';

/**
 * Options of the Kinesis stream; defaults in brackets. `maxPendingRecords` counts the
 * records in flight to Kinesis.
 */
export interface KinesisStreamOptions extends KinesisConnection, StreamOptions {
  /** Consumer groups, sequence index and dedupe window. */
  checkpoints: CheckpointStore;
  /** How often an idle reader polls a shard [1000 ms, the KCL default; Kinesis allows 5 reads/s per shard]. */
  pollIntervalMs?: number;
  /** Attempts per PutRecords entry before an append fails [5]. */
  maxPutAttempts?: number;
  /** How often retention runs [60 s]; 0 disables the timer (call trim yourself). */
  trimIntervalMs?: number;
  /** How long `connect` waits for a new stream to become ACTIVE [5 min]. */
  activeTimeoutMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const DEFAULT_MAX_PENDING = 200_000;
/** The Kinesis limit of one record: data plus partition key. */
export const KINESIS_RECORD_BYTES = 1024 * 1024;
const HOUR_MS = 3_600_000;

function partitionKey(shard: number): string {
  return `s${shard}`;
}

/** A Stream on Kinesis Data Streams; see the top of this file for how each part of the contract maps. */
export class KinesisStream implements Stream {
  readonly name: string;
  readonly shards: number;
  private client: KinesisClient | undefined;
  private shardIds: string[] = [];
  private id = 0;
  private seqIndex: SequenceIndex | undefined;
  private producer: KinesisProducer | undefined;
  private kinesisRetentionHours = 24;
  private pendingCount = 0;
  private epoch = 0;
  private trimTimer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly waiters = new Set<() => void>();
  private readonly consumers = new Set<KinesisConsumer>();
  private readonly now: () => number;

  constructor(private readonly opts: KinesisStreamOptions) {
    if (!Number.isInteger(opts.shards) || opts.shards < 1) {
      throw new RangeError(
        `stream ${opts.name}: shards must be a positive integer, got ${opts.shards}`,
      );
    }
    this.name = opts.name;
    this.shards = opts.shards;
    this.now = opts.now ?? Date.now;
  }

  /** Deletes the Kinesis stream `name` (not its checkpoints); resolves when it is gone or was absent. */
  static async destroy(conn: KinesisConnection, name: string): Promise<void> {
    const client = createKinesisClient(conn);
    try {
      await client.send(
        new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    } finally {
      client.destroy();
    }
  }

  async connect(): Promise<void> {
    if (this.client) return;
    const client = createKinesisClient(this.opts);
    try {
      await this.opts.checkpoints.init();
      const { shards, retentionHours, generation } = await prepareKinesisStream(client, {
        ...this.opts,
        retentionHours: Math.ceil(this.opts.retentionMs / HOUR_MS),
      });
      this.kinesisRetentionHours = retentionHours;
      this.id = await this.opts.checkpoints.registerStream(this.name, generation, this.shards);
      this.shardIds = shards.map((s) => s.ShardId!);
      this.producer = new KinesisProducer(
        client,
        this.name,
        shards.map((s) => s.HashKeyRange!.StartingHashKey!),
        { maxAttempts: this.opts.maxPutAttempts ?? 5 },
      );
      this.seqIndex = new SequenceIndex(this.opts.checkpoints, this.id, (shard, start) =>
        this.openCursor(shard, start),
      );
    } catch (err) {
      client.destroy();
      throw err;
    }
    this.client = client;
    const every = this.opts.trimIntervalMs ?? 60_000;
    if (every > 0) {
      this.trimTimer = setInterval(() => {
        this.track(this.trim()).catch(() => {});
      }, every);
      this.trimTimer.unref();
    }
  }

  private get conn(): KinesisClient {
    if (!this.client) throw new NotConnectedError(`stream ${this.name} is not connected`);
    return this.client;
  }

  /** @internal */
  get isOpen(): boolean {
    return this.client !== undefined;
  }

  /** @internal Id of the stream in the checkpoint store. */
  get streamId(): number {
    return this.id;
  }

  /** @internal */
  get store(): CheckpointStore {
    return this.opts.checkpoints;
  }

  /** @internal */
  get index(): SequenceIndex {
    if (!this.seqIndex) throw new NotConnectedError(`stream ${this.name} is not connected`);
    return this.seqIndex;
  }

  /** @internal Bumped by every append of this process. */
  get appendEpoch(): number {
    return this.epoch;
  }

  /** @internal A forward reader of one shard. */
  openCursor(shard: number, start: CursorStart): EntryCursor {
    return new ShardCursor(this.conn, this.name, this.shardIds[shard]!, start);
  }

  /** @internal Registers a wake-up for readers waiting on new data; returns the unregister function. */
  onAppend(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  /** @internal */
  forgetConsumer(c: KinesisConsumer): void {
    this.consumers.delete(c);
  }

  /** @internal Registers an operation that `close` waits for before it drops the client. */
  track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /**
   * Resolves when every record is stored in Kinesis. Rejects with BackpressureError when
   * more than `maxPendingRecords` are in flight, or when Kinesis throttled a shard through
   * every attempt; then some entries of the append may be stored already (PutRecords is
   * not atomic), but their ids are marked in the dedupe window, so retrying the whole
   * append stores only the rest (with dedupe off, the retry stores them twice).
   * RangeError: a record does not fit in one Kinesis record (1 MiB) on its own.
   */
  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    if (!this.client) {
      return Promise.reject(new NotConnectedError(`stream ${this.name} is not connected`));
    }
    if (records.length === 0) return Promise.resolve({ appended: 0, duplicates: 0 });
    const limit = this.opts.maxPendingRecords ?? DEFAULT_MAX_PENDING;
    if (records.length > limit) {
      return Promise.reject(
        new BackpressureError(
          `stream ${this.name}: an append of ${records.length} records exceeds ${limit}`,
          1000,
        ),
      );
    }
    if (this.pendingCount > 0 && this.pendingCount + records.length > limit) {
      return Promise.reject(
        new BackpressureError(
          `stream ${this.name}: ${this.pendingCount} records in flight to Kinesis`,
          200,
        ),
      );
    }
    this.pendingCount += records.length;
    return this.track(
      this.doAppend(records).finally(() => {
        this.pendingCount -= records.length;
      }),
    );
  }

  private async doAppend(records: readonly AppendRecord[]): Promise<AppendResult> {
    const packed = withTimestamps(records, this.now());
    const maxEntry = KINESIS_RECORD_BYTES - partitionKey(this.shards - 1).length;
    for (const r of packed) {
      // 8 = the entry header splitIntoEntries reserves
      const size = packedSize(r) + 8;
      if (size > maxEntry) {
        throw new RangeError(
          `stream ${this.name}: record ${r.id} takes ${size} bytes packed, over the Kinesis record limit of ${maxEntry}`,
        );
      }
    }
    // an id twice in one append is stored once, the first occurrence
    const seen = new Set<string>();
    const unique = packed.filter((r) => !seen.has(r.id) && seen.add(r.id));
    const owner = randomUUID();
    const claimed =
      this.opts.dedupeWindowMs > 0
        ? await claimIds(this.opts.checkpoints, {
            streamId: this.id,
            streamName: this.name,
            ids: unique.map((r) => r.id),
            owner,
            windowMs: this.opts.dedupeWindowMs,
            now: this.now,
          })
        : undefined;
    const toStore = claimed ? unique.filter((r) => claimed.has(r.id)) : unique;
    const perShard = Array.from({ length: this.shards }, () => [] as typeof toStore);
    for (const r of toStore) perShard[shardFor(r.key, this.shards)]!.push(r);
    const queues: PutEntry[][] = perShard.map((recs, shard) =>
      splitIntoEntries(recs, maxEntry).map((group) => ({
        shard,
        partitionKey: partitionKey(shard),
        data: packEntry(group),
        ids: group.map((r) => r.id),
      })),
    );
    const outcome = await this.producer!.put(queues);
    if (claimed) {
      const stored = new Set(outcome.stored);
      await this.opts.checkpoints.settle(
        this.id,
        owner,
        outcome.stored,
        [...claimed].filter((id) => !stored.has(id)),
        this.now(),
      );
    }
    if (outcome.stored.length > 0) {
      this.epoch++;
      for (const w of this.waiters) w();
    }
    if (outcome.error) throw outcome.error;
    return { appended: toStore.length, duplicates: records.length - toStore.length };
  }

  async consumer(
    group: string,
    policy: BatchPolicy,
    options: ConsumerOptions = {},
  ): Promise<Consumer> {
    this.conn;
    for (const shard of options.shards ?? []) {
      if (!Number.isInteger(shard) || shard < 0 || shard >= this.shards)
        throw new RangeError(
          `stream ${this.name}: consumer ${group} asked for shard ${shard}, the stream has shards 0..${this.shards - 1}`,
        );
    }
    await this.opts.checkpoints.ensureGroup(this.id, group, this.now());
    const c = new KinesisConsumer(this, group, policy, this.opts.pollIntervalMs ?? 1000, options);
    this.consumers.add(c);
    return c;
  }

  async rewind(group: string, target: RewindTarget): Promise<void> {
    this.conn;
    const positions = await rewindPositions(this, target);
    await this.opts.checkpoints.rewind(this.id, group, positions, this.now());
  }

  /**
   * Up to `limit` records of `shard` from a sequence or a record time, outside any group
   * (kinesis-browse.ts). RangeError for a shard out of range.
   */
  async browse(shard: number, from: BrowseFrom, limit: number): Promise<StreamRecord[]> {
    this.conn;
    return browseShard(this, shard, from, limit);
  }

  async lag(group?: string): Promise<ShardLag[]> {
    this.conn;
    return shardLags(this, group, this.now);
  }

  async info(): Promise<StreamInfo> {
    this.conn;
    return {
      name: this.name,
      backend: 'kinesis',
      shards: this.shards,
      retentionMs: this.opts.retentionMs,
      ...(await streamTotals(this)),
    };
  }

  /**
   * Removes, for readers, the entries whose newest record is older than the retention
   * (Kinesis deletes them itself later, by arrival time); returns how many records that
   * was. Also forgets index rows Kinesis has expired and dedupe rows past the window.
   */
  async trim(now: number = this.now()): Promise<number> {
    if (!this.client) return 0;
    const store = this.opts.checkpoints;
    await catchUpAll(this);
    const removed = await store.trimBefore(this.id, now - this.opts.retentionMs);
    const wall = this.now();
    await store.prune(
      this.id,
      wall - (this.kinesisRetentionHours + 1) * HOUR_MS,
      wall - Math.max(this.opts.dedupeWindowMs, CLAIM_TIMEOUT_MS),
    );
    return removed;
  }

  async close(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (this.trimTimer) clearInterval(this.trimTimer);
    for (const c of [...this.consumers]) await c.close();
    for (const w of this.waiters) w();
    await Promise.allSettled([...this.inflight]);
    this.client = undefined;
    client.destroy();
  }
}
