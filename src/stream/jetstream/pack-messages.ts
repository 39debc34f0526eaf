/**
 * Cuts one shard's records into JetStream messages (aggregated entries, see
 * ../aggregation.ts) and names each message for JetStream's `Nats-Msg-Id` dedupe.
 */
import { createHash } from 'node:crypto';
import { type PackedRecord, packEntry, packedSize, splitIntoEntries } from '../aggregation.js';

/**
 * A record's sequence is `streamSequence * SEQ_SCALE + indexInMessage`, so a message holds
 * at most SEQ_SCALE records: strictly increasing per shard and stable across re-reads.
 */
export const SEQ_SCALE = 65_536;

/** Bytes `splitIntoEntries` reserves per entry for its own header (magic, version, count). */
const ENTRY_OVERHEAD = 8;

/** One message to publish: the packed entry, how many records it holds and its msg id. */
export interface PackedMessage {
  payload: Buffer;
  count: number;
  msgId: string;
}

/**
 * The msg id of a message holding records with these ids, in this order: a SHA-256 of the
 * length-prefixed ids. A message of one record and a retried message of the same records
 * get the same id, whatever their timestamps or data.
 */
export function msgIdFor(ids: readonly string[]): string {
  const h = createHash('sha256');
  for (const id of ids) {
    const b = Buffer.from(id, 'utf8');
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(b.length);
    h.update(len);
    h.update(b);
  }
  return h.digest('base64url');
}

/**
 * Packs records (one shard, append order) into messages of at most `maxEntryBytes`.
 * Deterministic: the same records in the same order give the same messages and msg ids
 * (the cut depends on key, id and data lengths, and on the timestamp's varint length,
 * which is 6 bytes for every epoch-ms time between 1971 and 2109).
 * Throws RangeError naming the record when one record alone exceeds the limit.
 */
export function packMessages(
  records: readonly PackedRecord[],
  maxEntryBytes: number,
): PackedMessage[] {
  for (const r of records) {
    const size = packedSize(r) + ENTRY_OVERHEAD;
    if (size > maxEntryBytes) {
      throw new RangeError(
        `record "${r.id}" packs to ${size} bytes, more than the JetStream entry limit of ${maxEntryBytes} bytes (server max_payload minus headers)`,
      );
    }
  }
  const out: PackedMessage[] = [];
  for (const entry of splitIntoEntries(records, maxEntryBytes)) {
    for (let i = 0; i < entry.length; i += SEQ_SCALE) {
      const part = entry.slice(i, i + SEQ_SCALE);
      out.push({
        payload: packEntry(part),
        count: part.length,
        msgId: msgIdFor(part.map((r) => r.id)),
      });
    }
  }
  return out;
}
