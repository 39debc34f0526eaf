/**
 * Aggregation of many records into one stream entry, as the Kinesis Producer Library
 * does: every backend stores entries of at most its entry-size limit and readers see
 * single records again. Shared by every Stream implementation.
 *
 * Entry layout: magic 0xA6, version 1, record count (uvarint), then per record:
 * timestamp (uvarint, epoch ms), key, id and data, each as uvarint length + bytes.
 */
import type { AppendRecord } from './stream.js';

const MAGIC = 0xa6;
const VERSION = 1;

/** One record inside an entry, as packed and unpacked. */
export interface PackedRecord {
  key: string;
  id: string;
  data: Uint8Array;
  timestamp: number;
}

/** Raised when an entry's bytes are not a valid aggregate (torn or foreign data). */
export class AggregateFormatError extends Error {
  override name = 'AggregateFormatError';
}

function uvarintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeUvarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Bytes one record takes inside an entry (used to cut entries at the size limit). */
export function packedSize(r: PackedRecord): number {
  const k = Buffer.byteLength(r.key);
  const i = Buffer.byteLength(r.id);
  return (
    uvarintSize(r.timestamp) +
    uvarintSize(k) +
    k +
    uvarintSize(i) +
    i +
    uvarintSize(r.data.length) +
    r.data.length
  );
}

/**
 * Packs records into one entry. `alloc` gives the buffer [Buffer.allocUnsafe, which may
 * hand out a view into a shared pool]; Buffer.allocUnsafeSlow gives one that can be
 * transferred to another thread.
 */
export function packEntry(
  records: readonly PackedRecord[],
  alloc: (size: number) => Buffer = Buffer.allocUnsafe,
): Buffer {
  let size = 2 + uvarintSize(records.length);
  for (const r of records) size += packedSize(r);
  const buf = alloc(size);
  buf[0] = MAGIC;
  buf[1] = VERSION;
  let pos = writeUvarint(buf, 2, records.length);
  for (const r of records) {
    pos = writeUvarint(buf, pos, r.timestamp);
    const k = Buffer.byteLength(r.key);
    pos = writeUvarint(buf, pos, k);
    pos += buf.write(r.key, pos, 'utf8');
    const i = Buffer.byteLength(r.id);
    pos = writeUvarint(buf, pos, i);
    pos += buf.write(r.id, pos, 'utf8');
    pos = writeUvarint(buf, pos, r.data.length);
    buf.set(r.data, pos);
    pos += r.data.length;
  }
  return buf;
}

/** Unpacks an entry. Record data are views into `entry` (no copy). Throws AggregateFormatError. */
export function unpackEntry(entry: Uint8Array): PackedRecord[] {
  const buf = Buffer.isBuffer(entry)
    ? entry
    : Buffer.from(entry.buffer, entry.byteOffset, entry.length);
  if (buf.length < 3 || buf[0] !== MAGIC || buf[1] !== VERSION) {
    throw new AggregateFormatError('not an aggregated stream entry (bad magic or version)');
  }
  let pos = 2;
  const read = (): number => {
    let n = 0;
    let mul = 1;
    for (;;) {
      if (pos >= buf.length) throw new AggregateFormatError('truncated stream entry');
      const b = buf[pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  };
  const bytes = (): Buffer => {
    const len = read();
    if (pos + len > buf.length) throw new AggregateFormatError('truncated stream entry');
    const out = buf.subarray(pos, pos + len);
    pos += len;
    return out;
  };
  const count = read();
  const out: PackedRecord[] = new Array(count);
  for (let n = 0; n < count; n++) {
    const timestamp = read();
    const key = bytes().toString('utf8');
    const id = bytes().toString('utf8');
    const data = bytes();
    out[n] = { key, id, data, timestamp };
  }
  if (pos !== buf.length) throw new AggregateFormatError('trailing bytes after the last record');
  return out;
}

/**
 * Splits records (already in order) into groups that each pack to at most `maxEntryBytes`.
 * A record larger than the limit on its own travels alone (the backend decides whether it
 * fits). Deterministic: the same records give the same entries.
 */
export function splitIntoEntries<T extends PackedRecord>(
  records: readonly T[],
  maxEntryBytes: number,
): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let size = 8;
  for (const r of records) {
    const s = packedSize(r);
    if (cur.length > 0 && size + s > maxEntryBytes) {
      out.push(cur);
      cur = [];
      size = 8;
    }
    cur.push(r);
    size += s;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Fills in the timestamp of append records that have none. */
export function withTimestamps(records: readonly AppendRecord[], now: number): PackedRecord[] {
  return records.map((r) => ({
    key: r.key,
    id: r.id,
    data: r.data,
    timestamp: r.timestamp ?? now,
  }));
}
