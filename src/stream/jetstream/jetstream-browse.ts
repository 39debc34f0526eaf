/**
 * Browsing one shard of a JetStream stream outside any consumer group (the Console's
 * message viewer): a throwaway, unacknowledged consumer filtered on the shard's subject,
 * started at a sequence (DeliverPolicy.StartSequence) or a time (StartTime: the server's
 * store time, as a rewind by time uses), read until `limit` records, then deleted. No
 * checkpoint is read or written.
 */
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from 'nats';
import { AggregateFormatError, unpackEntry } from '../aggregation.js';
import { StreamUnavailableError } from '../errors.js';
import type { BrowseFrom, StreamRecord } from '../stream.js';
import { ephemeralConfig } from './message-scan.js';
import { SEQ_SCALE } from './pack-messages.js';

/** What a browse needs of its stream. */
export interface BrowseTarget {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subject: string;
  shard: number;
}

/** Most messages asked for in one pull: a message may hold up to 1 MB of records. */
const MAX_PULL_MESSAGES = 64;
const PULL_EXPIRES_MS = 2_000;

/** Up to `limit` records of the shard from `from` on, in order. */
export async function browseShard(
  t: BrowseTarget,
  from: BrowseFrom,
  limit: number,
): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  if (limit <= 0) return out;
  const floor = 'seq' in from ? from.seq : 0;
  const ci = await t.jsm.consumers.add(
    t.stream,
    ephemeralConfig({
      filter_subject: t.subject,
      ...('seq' in from
        ? {
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: Math.max(1, Math.floor(from.seq / SEQ_SCALE)),
          }
        : {
            deliver_policy: DeliverPolicy.StartTime,
            opt_start_time: new Date(Math.max(0, from.time)).toISOString(),
          }),
    }),
  );
  try {
    let pending = ci.num_pending;
    if (pending === 0) return out;
    const consumer = await t.js.consumers.get(t.stream, ci.name);
    let messages = 0;
    while (out.length < limit && pending > 0) {
      // Ask for about as many messages as the records still wanted fill, at the
      // records-per-message seen so far (one message first).
      const perMessage = messages > 0 ? Math.max(1, out.length / messages) : limit;
      const asked = Math.min(
        pending,
        MAX_PULL_MESSAGES,
        Math.max(1, Math.ceil((limit - out.length) / perMessage)),
      );
      const iter = await consumer.fetch({ max_messages: asked, expires: PULL_EXPIRES_MS });
      let got = 0;
      for await (const m of iter) {
        got++;
        messages++;
        for (const r of unpack(t.subject, m.seq, m.data)) {
          if (r.seq < floor || out.length >= limit) continue;
          out.push({ ...r, shard: t.shard });
        }
        if (out.length >= limit) {
          iter.stop();
          break;
        }
      }
      pending -= got;
      if (got < asked) break; // retention removed messages under us: all was read
    }
    return out;
  } finally {
    await t.jsm.consumers.delete(t.stream, ci.name).catch(() => {});
  }
}

function unpack(
  subject: string,
  streamSeq: number,
  data: Uint8Array,
): Omit<StreamRecord, 'shard'>[] {
  let records: ReturnType<typeof unpackEntry>;
  try {
    // copy: the client may reuse its read buffer, and records keep views into this one
    records = unpackEntry(Buffer.from(data));
  } catch (err) {
    if (!(err instanceof AggregateFormatError)) throw err;
    throw new StreamUnavailableError(
      `${subject}: message ${streamSeq} is not a Faresight entry (${err.message})`,
      { cause: err },
    );
  }
  const base = streamSeq * SEQ_SCALE;
  return records.map((r, i) => ({
    seq: base + i,
    key: r.key,
    id: r.id,
    data: r.data,
    timestamp: r.timestamp,
  }));
}
