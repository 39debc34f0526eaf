import { type JetStreamClient, headers as natsHeaders } from 'nats';
import type { PackedRecord } from '../aggregation.js';
import { type AppendRecord, type AppendResult, shardFor } from '../stream.js';
import { RECORDS_HEADER } from './message-scan.js';
import { type PackedMessage, packMessages } from './pack-messages.js';

/** Messages and bytes one append keeps in flight before awaiting PubAcks. */
const MAX_INFLIGHT_MESSAGES = 256;
const MAX_INFLIGHT_BYTES = 32 * 1024 * 1024;

/** Where and how to publish. */
export interface PublishTarget {
  stream: string;
  shards: number;
  /** Largest payload of one message. */
  entryBytes: number;
  /** Send `Nats-Msg-Id` (false when the dedupe window is 0). */
  msgIds: boolean;
}

/**
 * Routes records to their shard subject, packs each shard's records into messages and
 * publishes them asynchronously with a bounded number in flight; resolves when every
 * PubAck is in (a duplicate PubAck counts the message's records as duplicates). Messages
 * of one shard leave in order on one connection, so JetStream stores them in order.
 * Throws RangeError for a record that cannot be stored (before publishing anything);
 * on a failed publish stops sending, waits for the rest and rethrows the client's error.
 */
export async function publishRecords(
  js: JetStreamClient,
  target: PublishTarget,
  records: readonly AppendRecord[],
): Promise<AppendResult> {
  const now = Date.now();
  const perShard: PackedRecord[][] = Array.from({ length: target.shards }, () => []);
  records.forEach((r, i) => {
    const timestamp = r.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new RangeError(
        `append: record ${i} (id "${r.id}"): timestamp must be a non-negative integer epoch ms, got ${r.timestamp}`,
      );
    }
    if (!(r.data instanceof Uint8Array)) {
      throw new RangeError(`append: record ${i} (id "${r.id}"): data must be a Uint8Array`);
    }
    perShard[shardFor(r.key, target.shards)]!.push({
      key: r.key,
      id: r.id,
      data: r.data,
      timestamp,
    });
  });
  const messages: { subject: string; m: PackedMessage }[] = [];
  perShard.forEach((recs, shard) => {
    if (recs.length === 0) return;
    for (const m of packMessages(recs, target.entryBytes)) {
      messages.push({ subject: `${target.stream}.${shard}`, m });
    }
  });

  const result: AppendResult = { appended: 0, duplicates: 0 };
  const inflight = new Set<Promise<void>>();
  let inflightBytes = 0;
  let failure: unknown;
  for (const { subject, m } of messages) {
    while (
      inflight.size > 0 &&
      (inflight.size >= MAX_INFLIGHT_MESSAGES ||
        inflightBytes + m.payload.length > MAX_INFLIGHT_BYTES)
    ) {
      await Promise.race(inflight);
    }
    if (failure !== undefined) break;
    const h = natsHeaders();
    h.set(RECORDS_HEADER, String(m.count));
    inflightBytes += m.payload.length;
    const p: Promise<void> = js
      .publish(subject, m.payload, { headers: h, ...(target.msgIds ? { msgID: m.msgId } : {}) })
      .then(
        (ack) => {
          if (ack.duplicate) result.duplicates += m.count;
          else result.appended += m.count;
        },
        (err) => {
          failure ??= err;
        },
      )
      .finally(() => {
        inflight.delete(p);
        inflightBytes -= m.payload.length;
      });
    inflight.add(p);
  }
  await Promise.all(inflight);
  if (failure !== undefined) throw failure;
  return result;
}
