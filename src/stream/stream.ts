/**
 * The stream contract: a durable, sharded, replayable buffer with consumer groups, the
 * spine between ingest and every consumer. Implementations live in one folder each
 * (`embedded/`, `jetstream/`, `kinesis/`) and all pass `runStreamSuite`.
 *
 * Semantics every implementation keeps:
 * - A record goes to shard `shardFor(key, shards)`; records of one key keep their order.
 * - `append` resolves only when every record is durable; it rejects with
 *   BackpressureError instead of buffering without bound.
 * - A record whose `id` was appended within the dedupe window is stored once.
 * - Each consumer group has a durable checkpoint per shard. Batches are delivered
 *   at-least-once: a batch that is not committed is delivered again after a restart.
 * - `rewind` moves a group's checkpoints back (or forward) to a time or sequence;
 *   re-reading a range returns the same records in the same per-shard order.
 */
import type { BatchPolicy } from './batch-policy.js';

export type { BatchPolicy };

/** What every stream is opened with, whichever its backend (each adds its own options). */
export interface StreamOptions {
  /** Stream name (letters, digits, `-`; each backend says what else it accepts). */
  name: string;
  shards: number;
  /** Records older than this (by record timestamp) are removed by retention. */
  retentionMs: number;
  /** How long an appended id is remembered, to drop a second append of it; 0 disables dedupe. */
  dedupeWindowMs: number;
  /** Records appended and not yet durable before appends get BackpressureError [200,000]. */
  maxPendingRecords?: number;
}

/** A record to append. `key` routes it to a shard; `id` is the dedupe key. */
export interface AppendRecord {
  key: string;
  id: string;
  data: Uint8Array;
  /** Record time in epoch ms (ingest receive time); defaults to the append time. */
  timestamp?: number;
}

/**
 * A record as read back, with its position. `seq` is unique within its shard and strictly
 * increasing in append order (not necessarily contiguous); it stays the same on re-reads.
 */
export interface StreamRecord {
  shard: number;
  seq: number;
  key: string;
  id: string;
  data: Uint8Array;
  timestamp: number;
}

/** What an append did: how many records were stored and how many were dropped as duplicates. */
export interface AppendResult {
  appended: number;
  duplicates: number;
}

/** A batch handed to a consumer. Commit it (Consumer.commit) once its effects are durable. */
export interface Batch {
  readonly records: readonly StreamRecord[];
  readonly bytes: number;
  /** For each shard in the batch, the last sequence it holds (what a commit will checkpoint). */
  readonly lastSeq: ReadonlyMap<number, number>;
}

/**
 * Which shards a consumer reads and the lease it commits under (scale-out: see
 * lease/leased-consumer.ts). Without options a consumer reads every shard, unfenced.
 */
export interface ConsumerOptions {
  /** Read only these shards [every shard]. */
  shards?: readonly number[];
  /**
   * The fencing token: a commit is refused with FencedError unless `owner` still holds
   * every shard of the batch at its epoch, checked in the write that moves the checkpoint:
   * the embedded stream reads the lease in the commit's transaction; JetStream keeps the
   * highest claimed epoch per shard in the checkpoint entry (claimed at the first read).
   * Kinesis checks the lease rows (in the database of its checkpoints) in the statement
   * that saves the checkpoint. LeasedConsumer also checks the lease store just before.
   */
  fence?: { owner: string; epochs: ReadonlyMap<number, number> };
}

/** A reader of one consumer group. Not safe for concurrent `read` calls. */
export interface Consumer {
  readonly group: string;
  /**
   * Waits until the batch policy closes a batch (count or bytes reached, or periodMs
   * elapsed since the call) and returns it; the batch may be empty. Records after the
   * last batch read (committed or not) are returned, so a consumer that reads ahead must
   * commit in order.
   */
  read(signal?: AbortSignal): Promise<Batch>;
  /** Durably moves the group's checkpoints to the end of `batch`. */
  commit(batch: Batch): Promise<void>;
  /** Forgets read-ahead state so the next read starts at the committed checkpoints. */
  reset(): void;
  close(): Promise<void>;
  /**
   * Scale-out only (lease/leased-consumer.ts): the lease epoch of each shard of `batch`
   * when it was read; undefined, or absent, for a consumer that is not fenced.
   */
  epochsOf?(batch: Batch): ReadonlyMap<number, number> | undefined;
  /**
   * Scale-out only: resolves when this member still holds every shard of `epochs` at that
   * epoch, else throws FencedError. A sink checks it before publishing what it wrote.
   */
  checkFence?(epochs: ReadonlyMap<number, number>): Promise<void>;
  /**
   * Scale-out only: true when the next `read` changes the shards read (taken, lost or to
   * hand off). A consumer that reads ahead commits what it holds before that read.
   */
  rebalancing?(): boolean;
}

/**
 * Where to move a group to. `{ time }`: every shard restarts at its first record with
 * timestamp >= time. `{ shard, seq }`: that shard restarts at its first record with
 * sequence >= seq. Either way the next read of the group begins there.
 */
export type RewindTarget = { time: number } | { shard: number; seq: number };

/** Where browsing a shard starts: its first record at or after a sequence, or a time (epoch ms). */
export type BrowseFrom = { seq: number } | { time: number };

/** Lag of one group on one shard. */
export interface ShardLag {
  group: string;
  shard: number;
  /** Records appended after the group's checkpoint. */
  records: number;
  /** Age in ms of the oldest record not yet committed by the group, 0 when caught up. */
  oldestAgeMs: number;
}

/** Static and dynamic facts about a stream, for `faresight stream status`. */
export interface StreamInfo {
  name: string;
  backend: string;
  shards: number;
  retentionMs: number;
  records: number;
  oldestTimestamp: number | undefined;
  newestTimestamp: number | undefined;
  groups: string[];
}

export interface Stream {
  readonly name: string;
  readonly shards: number;
  /** Opens or creates the stream. Must be called before anything else. */
  connect(): Promise<void>;
  append(records: readonly AppendRecord[]): Promise<AppendResult>;
  /** Opens a reader for `group`, created at the start of retention when new. */
  consumer(group: string, policy: BatchPolicy, options?: ConsumerOptions): Promise<Consumer>;
  /** Rewinds `group`; a running consumer of the group picks the new position up on its next read. */
  rewind(group: string, target: RewindTarget): Promise<void>;
  /**
   * Up to `limit` records of `shard` from `from` on, in order, read outside any consumer
   * group (no checkpoint, lease or group is touched): the Console's message viewer.
   * Optional: a backend without it cannot be browsed. RangeError for a shard out of range.
   */
  browse?(shard: number, from: BrowseFrom, limit: number): Promise<StreamRecord[]>;
  /** Lag per shard for one group, or for every group when none is given. */
  lag(group?: string): Promise<ShardLag[]>;
  info(): Promise<StreamInfo>;
  /** Removes records older than the retention; returns how many were removed. */
  trim(now?: number): Promise<number>;
  close(): Promise<void>;
}

/** FNV-1a hash of the key modulo the shard count: stable across processes and releases. */
export function shardFor(key: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
