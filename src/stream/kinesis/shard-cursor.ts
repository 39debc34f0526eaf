/**
 * Reading one Kinesis shard forward from a position: shard iterators, their 5-minute
 * expiry, and de-aggregation of each Kinesis record ("entry") into stream records.
 */
import {
  type _Record,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { AggregateFormatError, type PackedRecord, unpackEntry } from '../aggregation.js';
import { isExpiredIterator } from './kinesis-client.js';

/** One Kinesis record of a shard, unpacked. */
export interface KinesisEntry {
  /** Kinesis sequence number (decimal string). */
  kseq: string;
  arrivalMs: number;
  records: PackedRecord[];
}

/** Where a cursor starts: the oldest record, at an entry, or just after one. */
export type CursorStart =
  | { type: 'TRIM_HORIZON' }
  | { type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; kseq: string };

/** What one GetRecords call gave. */
export interface CursorPage {
  entries: KinesisEntry[];
  /** Kinesis's MillisBehindLatest: 0 when the cursor is at the tip of the shard. */
  behindMs: number;
}

/** Reads a shard; the minimal surface the sequence index and consumers need. */
export interface EntryCursor {
  /** The next page of at most `limit` entries (may be empty even when more follow). */
  next(limit: number): Promise<CursorPage>;
  /** True once the shard is closed and fully read. */
  readonly ended: boolean;
}

/**
 * A Kinesis record this library did not aggregate (another producer wrote it) becomes one
 * record: key = partition key, id = `kinesis:<sequence number>`, time = arrival.
 */
export function decodeEntry(r: _Record): KinesisEntry {
  const kseq = r.SequenceNumber!;
  const arrivalMs = r.ApproximateArrivalTimestamp?.getTime() ?? 0;
  const data = r.Data ?? new Uint8Array(0);
  let records: PackedRecord[];
  try {
    records = unpackEntry(data);
  } catch (err) {
    if (!(err instanceof AggregateFormatError)) throw err;
    records = [{ key: r.PartitionKey ?? '', id: `kinesis:${kseq}`, data, timestamp: arrivalMs }];
  }
  return { kseq, arrivalMs, records };
}

/** Compares two Kinesis sequence numbers of one shard (they grow in write order). */
export function compareKseq(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Kinesis GetRecords allows at most 10,000 records per call. */
export const MAX_GET_RECORDS = 10_000;

/**
 * A forward reader of one shard. It remembers the last entry it returned, so an expired
 * iterator is replaced transparently (AFTER_SEQUENCE_NUMBER that entry).
 */
export class ShardCursor implements EntryCursor {
  private iterator: string | undefined;
  private start: CursorStart;
  private done = false;

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly shardId: string,
    start: CursorStart,
  ) {
    this.start = start;
  }

  get ended(): boolean {
    return this.done;
  }

  async next(limit: number): Promise<CursorPage> {
    if (this.done) return { entries: [], behindMs: 0 };
    for (let attempt = 0; ; attempt++) {
      this.iterator ??= await this.newIterator();
      let out: GetRecordsCommandOutput;
      try {
        out = await this.client.send(
          new GetRecordsCommand({
            ShardIterator: this.iterator,
            Limit: Math.max(1, Math.min(MAX_GET_RECORDS, limit)),
          }),
        );
      } catch (err) {
        if (isExpiredIterator(err) && attempt === 0) {
          this.iterator = undefined;
          continue;
        }
        throw err;
      }
      this.iterator = out.NextShardIterator;
      if (!this.iterator) this.done = true;
      const entries = (out.Records ?? []).map(decodeEntry);
      const last = entries.at(-1);
      if (last) this.start = { type: 'AFTER_SEQUENCE_NUMBER', kseq: last.kseq };
      return { entries, behindMs: out.MillisBehindLatest ?? 0 };
    }
  }

  private async newIterator(): Promise<string> {
    const out = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: this.shardId,
        ShardIteratorType: this.start.type,
        ...('kseq' in this.start ? { StartingSequenceNumber: this.start.kseq } : {}),
      }),
    );
    if (!out.ShardIterator) throw new Error(`no shard iterator for ${this.shardId}`);
    return out.ShardIterator;
  }
}
