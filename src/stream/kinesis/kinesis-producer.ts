/**
 * Writes aggregated entries to Kinesis with PutRecords, routed by ExplicitHashKey so that
 * shard index `i` is the i-th Kinesis shard by starting hash key (our routing, stable,
 * the same as every other backend's `shardFor`).
 *
 * PutRecords stores or fails each entry on its own, so a retried entry can land after a
 * later one of the same shard. To keep per-key order, every call carries at most one
 * entry per shard (the head of that shard's queue), and a shard's next entry is sent only
 * once its previous one is stored. Failed entries are retried alone, with backoff.
 */
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { BackpressureError, StreamUnavailableError } from '../errors.js';
import { isThrottled } from './kinesis-client.js';

/** One aggregated entry for one shard and the ids of the records it carries. */
export interface PutEntry {
  shard: number;
  partitionKey: string;
  data: Uint8Array;
  ids: readonly string[];
}

/** What a put achieved: the ids stored, and the error that stopped it when not all were. */
export interface PutOutcome {
  stored: string[];
  error?: Error;
}

/** Options of the producer; defaults in brackets. */
export interface ProducerOptions {
  /** Attempts per entry before giving up [5]. */
  maxAttempts?: number;
  /** First retry delay, doubled per attempt up to 2 s [100 ms]. */
  retryBaseMs?: number;
}

/** Kinesis limits of one PutRecords call. */
export const MAX_PUT_ENTRIES = 500;
export const MAX_PUT_BYTES = 5 * 1024 * 1024;
/** Kinesis shard limits are per second: what BackpressureError advises to wait. */
const THROTTLE_RETRY_AFTER_MS = 1000;

interface EntryResult {
  ok: boolean;
  throttled: boolean;
  /** Not worth retrying (a whole call failed for a reason other than throttling). */
  fatal: boolean;
  message: string;
}

export class KinesisProducer {
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly hashKeys: readonly string[],
    opts: ProducerOptions = {},
  ) {
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.retryBaseMs = opts.retryBaseMs ?? 100;
  }

  /**
   * Stores every entry of every shard queue, each queue in order. Never throws: a failure
   * is returned with the ids stored so far (BackpressureError when Kinesis throttled the
   * shard through every attempt, StreamUnavailableError otherwise).
   */
  async put(queues: readonly (readonly PutEntry[])[]): Promise<PutOutcome> {
    const heads = queues.map(() => 0);
    const attempts = queues.map(() => 0);
    const stored: string[] = [];
    for (;;) {
      const round: PutEntry[] = [];
      queues.forEach((q, s) => {
        const e = q[heads[s]!];
        if (e) round.push(e);
      });
      if (round.length === 0) return { stored };
      const calls = chunk(round);
      const results = await Promise.all(calls.map((c) => this.send(c)));
      let worst = 0;
      let failure: EntryResult | undefined;
      calls.forEach((call, c) => {
        call.forEach((e, i) => {
          const r = results[c]![i]!;
          if (r.ok) {
            heads[e.shard]!++;
            attempts[e.shard] = 0;
            stored.push(...e.ids);
            return;
          }
          const n = ++attempts[e.shard]!;
          worst = Math.max(worst, n);
          if (!failure || r.fatal || (!failure.fatal && n >= worst)) failure = r;
        });
      });
      if (!failure) continue;
      if (worst >= this.maxAttempts || failure.fatal) {
        const msg = `stream ${this.streamName}: PutRecords failed after ${worst} attempt(s): ${failure.message}`;
        return {
          stored,
          error: failure.throttled
            ? new BackpressureError(msg, THROTTLE_RETRY_AFTER_MS)
            : new StreamUnavailableError(msg),
        };
      }
      const delay = Math.min(2000, this.retryBaseMs * 2 ** (worst - 1));
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
    }
  }

  /** One PutRecords call; a failed call fails all its entries. */
  private async send(entries: readonly PutEntry[]): Promise<EntryResult[]> {
    try {
      const out = await this.client.send(
        new PutRecordsCommand({
          StreamName: this.streamName,
          Records: entries.map((e) => ({
            Data: e.data,
            PartitionKey: e.partitionKey,
            ExplicitHashKey: this.hashKeys[e.shard],
          })),
        }),
      );
      return entries.map((_, i) => {
        const r = out.Records?.[i];
        if (r?.SequenceNumber && !r.ErrorCode)
          return { ok: true, throttled: false, fatal: false, message: '' };
        return {
          ok: false,
          throttled: r?.ErrorCode === 'ProvisionedThroughputExceededException',
          fatal: false,
          message: `${r?.ErrorCode ?? 'no result'}: ${r?.ErrorMessage ?? ''}`,
        };
      });
    } catch (err) {
      const throttled = isThrottled(err);
      const e = err as Error;
      const message = `${e.name}: ${e.message}`;
      // the SDK already retried transient call failures; anything else will not get better
      return entries.map(() => ({ ok: false, throttled, fatal: !throttled, message }));
    }
  }
}

/** Splits entries into PutRecords calls within the count and size limits. */
function chunk(entries: readonly PutEntry[]): PutEntry[][] {
  const out: PutEntry[][] = [];
  let cur: PutEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = e.data.length + Buffer.byteLength(e.partitionKey);
    if (cur.length > 0 && (cur.length >= MAX_PUT_ENTRIES || bytes + size > MAX_PUT_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(e);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
