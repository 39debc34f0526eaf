/**
 * The stream on NATS JetStream: one JetStream stream per Faresight stream, one subject per
 * shard (`<name>.<shard>`), file storage, `max_age` = retention, `duplicate_window` = the
 * dedupe window. Many records travel in one message (../aggregation.ts) up to the
 * server's max payload; a record's sequence is `streamSequence * 65536 + index`.
 *
 * ## Durability: JetStream's fsync interval
 *
 * A PubAck from a file-backed stream means the server wrote the message to its files,
 * not that it reached the disk: nats-server fsyncs its stream files only every
 * `sync_interval` (2 minutes by default).
 * - One server (this project's setup, replicas = 1): an acknowledged message survives a
 *   crash of nats-server itself (even `kill -9`: the data is in the kernel's page cache)
 *   but NOT a power cut, kernel panic or lost VM, which can take up to the last
 *   `sync_interval` of acknowledged messages with it.
 * - A cluster with replicas = 3: the PubAck waits for a quorum of servers, so losing one
 *   machine loses nothing; losing power to all of them at once still can.
 * - To fsync before every acknowledgement (slower: one disk flush per write), set in the
 *   server configuration (nats-server 2.10 or newer):
 *   ```
 *   jetstream {
 *     store_dir: /var/lib/nats-server
 *     sync_interval: always    # or a shorter interval such as "1s"
 *   }
 *   ```
 *   The Debian nats-server 2.9.x does not know the option (it refuses to start with
 *   `unknown field "sync_interval"`, checked on 2.9.10) and always uses its built-in
 *   interval: there, treat a PubAck as "safe from a server crash", and use replicas or a
 *   newer server when a power cut must not lose acknowledged records.
 * The embedded backend, by contrast, fsyncs (group commit) before an append resolves.
 *
 * ## Choices
 *
 * - Checkpoints live in the KV bucket `<name>-checkpoints` (one entry per group: an
 *   epoch and the next record sequence per shard), and readers are ephemeral,
 *   unacknowledged consumers started at those positions. Durable consumers with
 *   explicit acks were not used: an ack covers a whole message, but a batch may end in
 *   the middle of one (count and bytes limits), so only a record-level checkpoint makes
 *   commit exact; a rewind is a compare-and-set of that entry instead of deleting and
 *   re-creating consumers; and lag must count records, not messages.
 * - Dedupe: `Nats-Msg-Id` works per message, so a message's id is a SHA-256 of the ids
 *   of the records it packs, and packing is deterministic. A retried append of the same
 *   records (the usual case: a client retrying a request) yields the same messages and
 *   is stored once. A partially overlapping append packs differently, so its records are
 *   stored again, except those that travel in a message identical to an earlier one
 *   (e.g. a record appended alone both times). Consumers are idempotent, so this costs
 *   duplicate work, not wrong results. With `dedupeWindowMs = 0` no msg id is sent.
 * - Order: one shard's messages leave in order on one connection and are stored in that
 *   order. When an append fails part-way and is retried, the messages stored the first
 *   time stay where they are and the missing ones are stored after them, so records of
 *   one key may then appear out of order across that retry.
 * - Rewind by time and trim use the time the server stored each message (the append
 *   time), found with DeliverPolicy.StartTime, not the record timestamps. For records
 *   stamped at or before their append (ingest receive time, the default) a rewind to
 *   `time` never misses a record stamped >= `time`; it may also replay records of the
 *   appends that were in flight at `time`. A record stamped long before its append is
 *   trimmed by append time (it stays until `max_age` after its append).
 * - Retention: the server removes messages older than `max_age` by itself; `trim(now)`
 *   additionally purges messages stored before `now - retentionMs` (useful with a `now`
 *   in the future) and returns how many records that removed.
 * - Lag and info count records by reading message headers only; past 20,000 messages the
 *   rest is estimated from the average records per message.
 */
import {
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  StorageType,
} from 'nats';
import { BackpressureError, NotConnectedError, StreamUnavailableError } from '../errors.js';
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
  StreamRecord,
} from '../stream.js';
import { assertGroupName, CheckpointStore } from './checkpoint-store.js';
import { connectNats } from './connect-nats.js';
import { ensureStream, JetStreamConfigError } from './ensure-stream.js';
import { browseShard } from './jetstream-browse.js';
import { JetStreamConsumer } from './jetstream-consumer.js';
import {
  DEFAULT_MAX_PENDING_RECORDS,
  HEADER_RESERVE_BYTES,
  type JetStreamStreamOptions,
  validateOptions,
} from './jetstream-options.js';
import { type JetStreamTarget, purgeBefore, shardLag, streamTotals } from './jetstream-stats.js';
import { firstSeqAtTime } from './message-scan.js';
import { isNotFound, toStreamError } from './nats-errors.js';
import { SEQ_SCALE } from './pack-messages.js';
import { publishRecords } from './publish-records.js';
import type { ShardReaderContext } from './shard-reader.js';

const MIN_RETRY_AFTER_MS = 50;
const SERVER_RETRY_AFTER_MS = 1000;

export class JetStreamStream implements Stream {
  readonly name: string;
  readonly shards: number;
  private nc: NatsConnection | undefined;
  private js!: JetStreamClient;
  private jsm!: JetStreamManager;
  private store!: CheckpointStore;
  private online = false;
  private entryBytes = 0;
  private pending = 0;
  private latencyMs = MIN_RETRY_AFTER_MS;
  private readonly appends = new Set<Promise<unknown>>();
  private readonly consumers = new Set<JetStreamConsumer>();

  /** Validates the options; throws RangeError naming the bad one. Connects nothing yet. */
  constructor(private readonly opts: JetStreamStreamOptions) {
    validateOptions(opts);
    this.name = opts.name;
    this.shards = opts.shards;
  }

  /** Deletes the JetStream stream `name` and its checkpoint, lease and generation buckets. */
  static async destroy(servers: string, name: string): Promise<void> {
    await JetStreamStream.drop(servers, name, [`KV_${name}-generations`]);
  }

  /**
   * Deletes the JetStream stream `name` with its checkpoint and lease buckets (a retired
   * generation; the generation log of the stream stays), and the streams of `also`.
   * What is already gone is no error.
   */
  static async drop(servers: string, name: string, also: readonly string[] = []): Promise<void> {
    const nc = await connectNats(servers, 'faresight-drop', { maxReconnectAttempts: 0 });
    try {
      const jsm = await nc.jetstreamManager();
      for (const s of [name, `KV_${name}-checkpoints`, `KV_${name}-leases`, ...also]) {
        await jsm.streams.delete(s).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
      }
    } finally {
      await nc.close();
    }
  }

  async connect(): Promise<void> {
    if (this.nc) return;
    const nc = await connectNats(this.opts.servers, `faresight-stream-${this.name}`);
    try {
      this.jsm = await nc.jetstreamManager();
      this.js = nc.jetstream();
      await ensureStream(this.jsm, this.opts);
      const kv = await this.js.views.kv(`${this.name}-checkpoints`, {
        history: 1,
        storage: StorageType.File,
      });
      this.store = new CheckpointStore(kv, this.shards, this.name);
    } catch (err) {
      await nc.close().catch(() => {});
      if (err instanceof JetStreamConfigError) throw err;
      throw toStreamError(err, `open jetstream stream ${this.name}`, {
        online: true,
        retryAfterMs: SERVER_RETRY_AFTER_MS,
      });
    }
    const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    this.entryBytes =
      Math.min(this.opts.maxEntryBytes ?? maxPayload, maxPayload) - HEADER_RESERVE_BYTES;
    this.nc = nc;
    this.online = true;
    void this.watchStatus(nc);
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') this.online = false;
      else if (s.type === 'reconnect') this.online = true;
    }
  }

  private assertConnected(): void {
    if (!this.nc) throw new NotConnectedError(`jetstream stream ${this.name} is not connected`);
  }

  private retryAfterMs(): number {
    return Math.max(MIN_RETRY_AFTER_MS, Math.ceil(this.latencyMs));
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.assertConnected();
    try {
      return await fn();
    } catch (err) {
      throw toStreamError(err, `${what} (jetstream stream ${this.name})`, {
        online: this.online,
        retryAfterMs: SERVER_RETRY_AFTER_MS,
      });
    }
  }

  /**
   * Publishes the records, packed per shard, with up to 256 messages in flight, and
   * resolves once every PubAck is in. Rejects with BackpressureError when more than
   * `maxPendingRecords` would be in flight (nothing was published) or when the server
   * timed out or ran out of resources (part may be stored: retry the same records, the
   * msg ids make the retry store only what is missing), StreamUnavailableError when the
   * connection is down, RangeError for a record that cannot be stored.
   */
  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    if (!this.nc) {
      return Promise.reject(
        new NotConnectedError(`jetstream stream ${this.name} is not connected`),
      );
    }
    if (records.length === 0) return Promise.resolve({ appended: 0, duplicates: 0 });
    if (!this.online) {
      return Promise.reject(
        new StreamUnavailableError(`jetstream stream ${this.name}: not connected to NATS`),
      );
    }
    const limit = this.opts.maxPendingRecords ?? DEFAULT_MAX_PENDING_RECORDS;
    if (records.length > limit) {
      return Promise.reject(
        new BackpressureError(
          `jetstream stream ${this.name}: an append of ${records.length} records exceeds maxPendingRecords ${limit}; split it`,
          SERVER_RETRY_AFTER_MS,
        ),
      );
    }
    if (this.pending + records.length > limit) {
      return Promise.reject(
        new BackpressureError(
          `jetstream stream ${this.name}: ${this.pending} records waiting for PubAcks`,
          this.retryAfterMs(),
        ),
      );
    }
    this.pending += records.length;
    const started = Date.now();
    const p = this.publishAll(records).finally(() => {
      this.pending -= records.length;
      this.latencyMs = 0.8 * this.latencyMs + 0.2 * (Date.now() - started);
      this.appends.delete(p);
    });
    this.appends.add(p);
    return p;
  }

  private async publishAll(records: readonly AppendRecord[]): Promise<AppendResult> {
    const target = {
      stream: this.name,
      shards: this.shards,
      entryBytes: this.entryBytes,
      msgIds: this.opts.dedupeWindowMs > 0,
    };
    try {
      return await publishRecords(this.js, target, records);
    } catch (err) {
      throw toStreamError(err, `append to jetstream stream ${this.name}`, {
        online: this.online,
        retryAfterMs: Math.max(SERVER_RETRY_AFTER_MS, this.retryAfterMs()),
      });
    }
  }

  async consumer(
    group: string,
    policy: BatchPolicy,
    options: ConsumerOptions = {},
  ): Promise<Consumer> {
    this.assertConnected();
    assertGroupName(group);
    for (const s of options.shards ?? [])
      if (!Number.isInteger(s) || s < 0 || s >= this.shards)
        throw new RangeError(`stream ${this.name} has no shard ${s} (0..${this.shards - 1})`);
    await this.call(`create group ${group}`, () => this.store.ensure(group));
    const c = new JetStreamConsumer(
      {
        shards: this.shards,
        store: this.store,
        readerContext: (shard) => this.readerContext(shard),
        call: (what, fn) => this.call(what, fn),
        isOpen: () => this.nc !== undefined,
        forget: (x) => this.consumers.delete(x),
      },
      group,
      policy,
      options,
    );
    this.consumers.add(c);
    return c;
  }

  private readerContext(shard: number): ShardReaderContext {
    return {
      js: this.js,
      jsm: this.jsm,
      stream: this.name,
      subject: `${this.name}.${shard}`,
      shard,
      fetchBytes: Math.max(4 * 1024 * 1024, 2 * (this.entryBytes + HEADER_RESERVE_BYTES)),
    };
  }

  async rewind(group: string, target: RewindTarget): Promise<void> {
    this.assertConnected();
    assertGroupName(group);
    if ('time' in target) {
      if (!Number.isFinite(target.time))
        throw new RangeError(`rewind time ${target.time} is not a time`);
      const seq = await this.call(`rewind group ${group}`, () =>
        firstSeqAtTime(this.jsm, this.name, target.time),
      );
      await this.call(`rewind group ${group}`, () =>
        this.store.rewind(group, (next) => next.fill(seq * SEQ_SCALE)),
      );
      return;
    }
    if (!Number.isInteger(target.shard) || target.shard < 0 || target.shard >= this.shards) {
      throw new RangeError(`shard ${target.shard} is not in 0..${this.shards - 1}`);
    }
    if (!Number.isSafeInteger(target.seq) || target.seq < 0) {
      throw new RangeError(`sequence ${target.seq} is not a non-negative integer`);
    }
    await this.call(`rewind group ${group}`, () =>
      this.store.rewind(group, (next) => {
        next[target.shard] = target.seq;
      }),
    );
  }

  /**
   * Up to `limit` records of `shard` from a record sequence or a time (the server's store
   * time, as for a rewind), read with a throwaway consumer: no group is touched.
   */
  async browse(shard: number, from: BrowseFrom, limit: number): Promise<StreamRecord[]> {
    this.assertConnected();
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.shards)
      throw new RangeError(`stream ${this.name} has no shard ${shard} (0..${this.shards - 1})`);
    const { js, jsm, stream, subject } = this.readerContext(shard);
    return this.call(`browse shard ${shard}`, () =>
      browseShard({ js, jsm, stream, subject, shard }, from, limit),
    );
  }

  async lag(group?: string): Promise<ShardLag[]> {
    this.assertConnected();
    if (group !== undefined) assertGroupName(group);
    return this.call('lag', async () => {
      const groups = group !== undefined ? [group] : await this.store.groups();
      const now = Date.now();
      const out: ShardLag[] = [];
      for (const g of groups) {
        const pos = await this.store.get(g);
        const lags = await Promise.all(
          Array.from({ length: this.shards }, (_, shard) =>
            shardLag(this.target(), g, shard, pos?.next[shard] ?? 0, now),
          ),
        );
        out.push(...lags);
      }
      return out;
    });
  }

  async info(): Promise<StreamInfo> {
    this.assertConnected();
    return this.call('info', async () => {
      const groups = await this.store.groups();
      return {
        name: this.name,
        backend: 'jetstream',
        shards: this.shards,
        retentionMs: this.opts.retentionMs,
        groups,
        ...(await streamTotals(this.target())),
      };
    });
  }

  /**
   * Seals the JetStream stream: every later publish is refused (StreamSealedError), for
   * good; what was stored stays readable. JetStream no longer expires a sealed stream's
   * messages (max_age stops applying): delete the generation once it is drained.
   */
  async seal(): Promise<void> {
    this.assertConnected();
    await this.call('seal', async () => {
      const { config } = await this.jsm.streams.info(this.name);
      // nats.js leaves `sealed` out of its update type; the server takes it
      const sealed = { ...config, sealed: true };
      if (!config.sealed) await this.jsm.streams.update(this.name, sealed);
    });
  }

  /** Whether the stream was sealed (by this process or another). */
  async isSealed(): Promise<boolean> {
    this.assertConnected();
    return this.call('seal', async () => (await this.jsm.streams.info(this.name)).config.sealed);
  }

  /** The connected stream, for the reads of jetstream-stats.ts. */
  private target(): JetStreamTarget {
    return { js: this.js, jsm: this.jsm, name: this.name, shards: this.shards };
  }

  /**
   * Purges the messages stored before `now - retentionMs` and returns how many records
   * they held. The server also expires messages past `max_age` on its own, so this is
   * only needed to trim ahead of time (a `now` in the future).
   */
  async trim(now: number = Date.now()): Promise<number> {
    this.assertConnected();
    if (await this.isSealed()) return 0; // a sealed stream refuses purges
    return this.call('trim', () => purgeBefore(this.target(), now - this.opts.retentionMs));
  }

  /** Waits for appends in flight, stops every consumer, then closes the connection. */
  async close(): Promise<void> {
    const nc = this.nc;
    if (!nc) return;
    await Promise.allSettled([...this.appends]);
    await Promise.allSettled([...this.consumers].map((c) => c.close()));
    this.nc = undefined;
    this.online = false;
    await nc.close();
  }
}
