/**
 * Gives the entries of a Kinesis shard their numeric sequences (see checkpoint-store.ts
 * for why). Whoever reads an entry first, a consumer of any group, `lag`, `info` or
 * `trim`, appends it to the shard's index in Kinesis order; later readers find it there,
 * so every reader sees the same seq for the same record.
 *
 * The index is append-only at the tail with a compare-and-set on the tail's Kinesis
 * sequence number. A reader whose entries start beyond the tail (a rewind or a new group
 * ahead of every other reader) first walks the gap from the tail, so seqs are never
 * assigned out of order. This relies on Kinesis making a shard's records readable in
 * sequence-number order, which GetRecords guarantees.
 */
import { StreamUnavailableError } from '../errors.js';
import type { CheckpointStore, IndexedEntry, NewEntry } from './checkpoint-store.js';
import {
  type CursorStart,
  compareKseq,
  type EntryCursor,
  type KinesisEntry,
  MAX_GET_RECORDS,
} from './shard-cursor.js';

/** Opens a forward reader of a shard. */
export type OpenCursor = (shard: number, start: CursorStart) => EntryCursor;

const MAX_ATTEMPTS = 50;
/** Empty GetRecords pages tolerated while Kinesis still reports data behind the cursor. */
const MAX_EMPTY_PAGES = 100;

function describe(e: KinesisEntry): NewEntry {
  let tsMin = Number.POSITIVE_INFINITY;
  let tsMax = Number.NEGATIVE_INFINITY;
  for (const r of e.records) {
    if (r.timestamp < tsMin) tsMin = r.timestamp;
    if (r.timestamp > tsMax) tsMax = r.timestamp;
  }
  if (e.records.length === 0) tsMin = tsMax = e.arrivalMs;
  return { kseq: e.kseq, count: e.records.length, tsMin, tsMax, arrivalMs: e.arrivalMs };
}

export class SequenceIndex {
  constructor(
    private readonly store: CheckpointStore,
    private readonly streamId: number,
    private readonly open: OpenCursor,
  ) {}

  /**
   * The index rows of `entries`, consecutive entries of one shard as GetRecords returned
   * them, adding them to the index when new. `pred` is the Kinesis sequence number of the
   * entry just before `entries[0]`: null when `entries[0]` is the first of the shard
   * (read from TRIM_HORIZON), undefined when unknown (read AT a sequence number).
   */
  async resolve(
    shard: number,
    entries: readonly KinesisEntry[],
    pred: string | null | undefined,
  ): Promise<IndexedEntry[]> {
    return this.resolveWith(shard, entries, pred, true);
  }

  /** Indexes the shard up to `target` (a Kinesis sequence number), or to its end when omitted. */
  async catchUp(shard: number, target?: string): Promise<void> {
    const tail = await this.store.tail(this.streamId, shard);
    if (target !== undefined && tail.kseq !== null && compareKseq(tail.kseq, target) >= 0) return;
    const cursor = this.open(
      shard,
      tail.kseq === null
        ? { type: 'TRIM_HORIZON' }
        : { type: 'AFTER_SEQUENCE_NUMBER', kseq: tail.kseq },
    );
    let pred = tail.kseq;
    for (let empty = 0; ; ) {
      const page = await cursor.next(MAX_GET_RECORDS);
      const last = page.entries.at(-1);
      if (!last) {
        if (cursor.ended || page.behindMs === 0 || ++empty > MAX_EMPTY_PAGES) return;
        continue;
      }
      empty = 0;
      await this.resolveWith(shard, page.entries, pred, false);
      pred = last.kseq;
      if (target !== undefined && compareKseq(pred, target) >= 0) return;
    }
  }

  private async resolveWith(
    shard: number,
    entries: readonly KinesisEntry[],
    pred: string | null | undefined,
    mayWalk: boolean,
  ): Promise<IndexedEntry[]> {
    if (entries.length === 0) return [];
    const kseqs = entries.map((e) => e.kseq);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const known = await this.store.lookup(this.streamId, shard, kseqs);
      const u = kseqs.findIndex((k) => !known.has(k));
      if (u < 0) return kseqs.map((k) => known.get(k)!);
      const prev = u > 0 ? kseqs[u - 1]! : pred;
      if (
        prev !== undefined &&
        (await this.store.extend(this.streamId, shard, prev, entries.slice(u).map(describe)))
      ) {
        continue;
      }
      const tail = await this.store.tail(this.streamId, shard);
      // another reader moved the tail into (or past) our entries: look them up again
      if (tail.kseq !== null && compareKseq(tail.kseq, kseqs[u]!) >= 0) continue;
      // the index ends before our entries (or we do not know what precedes them): fill the gap
      if (mayWalk) await this.catchUp(shard, kseqs[u]!);
    }
    throw new StreamUnavailableError(
      `sequence index of shard ${shard}: entry ${kseqs[0]} could not be indexed (concurrent writers or a stream re-created under the same name)`,
    );
  }
}
