/**
 * Reads of the Kinesis stream that go through its sequence index: where a rewind puts a
 * group, how far each group lags, and the record count and time range of the stream.
 * Each first indexes the shards it needs to their end (reading from Kinesis what no
 * reader has read yet), so counts include records appended by other processes.
 */
import { StreamUnavailableError } from '../errors.js';
import type { RewindTarget, ShardLag, StreamInfo } from '../stream.js';
import type { CheckpointStore, ShardPosition } from './checkpoint-store.js';
import type { SequenceIndex } from './sequence-index.js';
import type { CursorStart, EntryCursor } from './shard-cursor.js';

/** What these reads need of a connected KinesisStream. */
export interface IndexedShards {
  readonly name: string;
  readonly shards: number;
  /** Id of the stream in the checkpoint store. */
  readonly streamId: number;
  readonly store: CheckpointStore;
  readonly index: SequenceIndex;
  openCursor(shard: number, start: CursorStart): EntryCursor;
}

/** Indexes every shard to its end. */
export async function catchUpAll(s: IndexedShards): Promise<void> {
  const index = s.index;
  await Promise.all(Array.from({ length: s.shards }, (_, shard) => index.catchUp(shard)));
}

/** Reads the one entry `kseq` of the shard; StreamUnavailableError when Kinesis expired it. */
async function readEntry(s: IndexedShards, shard: number, kseq: string) {
  const page = await s.openCursor(shard, { type: 'AT_SEQUENCE_NUMBER', kseq }).next(1);
  const entry = page.entries[0];
  if (!entry || entry.kseq !== kseq) {
    throw new StreamUnavailableError(
      `stream ${s.name}: entry ${kseq} of shard ${shard} is no longer in Kinesis`,
    );
  }
  return entry;
}

/** The position after the last indexed entry of the shard. */
async function endPosition(s: IndexedShards, shard: number): Promise<ShardPosition> {
  const tail = await s.store.tail(s.streamId, shard);
  return { seq: tail.nextSeq - 1, kseq: tail.kseq, afterEntry: tail.kseq !== null };
}

/** The position just before the shard's first record with timestamp >= time (or its end). */
async function positionAtTime(
  s: IndexedShards,
  shard: number,
  time: number,
): Promise<ShardPosition> {
  const e = await s.store.entryForTime(s.streamId, shard, time);
  if (!e) return endPosition(s, shard);
  const entry = await readEntry(s, shard, e.kseq);
  const i = Math.max(
    0,
    entry.records.findIndex((r) => r.timestamp >= time),
  );
  return { seq: e.firstSeq + i - 1, kseq: e.kseq, afterEntry: false };
}

/** The position just before the shard's first record with sequence >= seq. */
async function positionAtSeq(s: IndexedShards, shard: number, seq: number): Promise<ShardPosition> {
  let e = await s.store.entryForSeq(s.streamId, shard, seq);
  if (!e) {
    await s.index.catchUp(shard);
    e = await s.store.entryForSeq(s.streamId, shard, seq);
  }
  if (!e) {
    const end = await endPosition(s, shard);
    return { ...end, seq: Math.max(end.seq, seq - 1) };
  }
  return { seq: Math.max(seq, e.firstSeq) - 1, kseq: e.kseq, afterEntry: false };
}

/** The positions a rewind to `target` sets, by shard; RangeError for a shard out of range. */
export async function rewindPositions(
  s: IndexedShards,
  target: RewindTarget,
): Promise<Map<number, ShardPosition>> {
  const positions = new Map<number, ShardPosition>();
  if ('time' in target) {
    await catchUpAll(s);
    for (let shard = 0; shard < s.shards; shard++) {
      positions.set(shard, await positionAtTime(s, shard, target.time));
    }
  } else {
    if (!Number.isInteger(target.shard) || target.shard < 0 || target.shard >= s.shards) {
      throw new RangeError(`shard ${target.shard} is not in 0..${s.shards - 1}`);
    }
    positions.set(target.shard, await positionAtSeq(s, target.shard, target.seq));
  }
  return positions;
}

/** Records after each group's checkpoint per shard (every group when none is named). */
export async function shardLags(
  s: IndexedShards,
  group: string | undefined,
  now: () => number,
): Promise<ShardLag[]> {
  const store = s.store;
  await catchUpAll(s);
  const groups = group !== undefined ? [group] : await store.groups(s.streamId);
  const at = now();
  const out: ShardLag[] = [];
  for (const g of groups) {
    const positions = await store.loadAll(s.streamId, g);
    for (let shard = 0; shard < s.shards; shard++) {
      const after = positions.get(shard)?.seq ?? 0;
      const records = await store.countAfter(s.streamId, shard, after);
      let oldestAgeMs = 0;
      if (records > 0) {
        const e = await store.entryForSeq(s.streamId, shard, after + 1);
        if (e) {
          const entry = await readEntry(s, shard, e.kseq);
          const r = entry.records[Math.max(0, after + 1 - e.firstSeq)];
          if (r) oldestAgeMs = Math.max(0, at - r.timestamp);
        }
      }
      out.push({ group: g, shard, records, oldestAgeMs });
    }
  }
  return out;
}

/** Record count, oldest and newest record time, and the groups, from the index. */
export async function streamTotals(
  s: IndexedShards,
): Promise<Pick<StreamInfo, 'records' | 'oldestTimestamp' | 'newestTimestamp' | 'groups'>> {
  const store = s.store;
  await catchUpAll(s);
  let records = 0;
  let oldest: number | undefined;
  let newest: number | undefined;
  for (let shard = 0; shard < s.shards; shard++) {
    const sum = await store.summary(s.streamId, shard);
    records += sum.records;
    if (sum.tsMin !== undefined && (oldest === undefined || sum.tsMin < oldest)) oldest = sum.tsMin;
    if (sum.tsMax !== undefined && (newest === undefined || sum.tsMax > newest)) newest = sum.tsMax;
  }
  return {
    records,
    oldestTimestamp: oldest,
    newestTimestamp: newest,
    groups: await store.groups(s.streamId),
  };
}
