/**
 * The Avro binary writer under the direct encoders (direct-record-writer.ts and the fused
 * validate-and-encode pass, record-pass.ts): the same bytes as avsc (zigzag varints,
 * length-prefixed UTF-8, little-endian doubles, union branch index then value) written
 * into one scratch buffer reused by every record. Single-threaded by construction: a
 * record is begun, written and taken before the next one starts (nothing here awaits).
 */

/** Thrown by a writer for a value avsc would refuse; the caller falls back to avsc. */
export const MISMATCH = new Error('not encodable by the direct writer');
const SCRATCH_BYTES = 64 * 1024;
let buf = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  const bigger = Buffer.allocUnsafeSlow(Math.max(pos + n, buf.length * 2));
  buf.copy(bigger, 0, 0, pos);
  buf = bigger;
}

/** Starts a record after a two-byte header (magic, version) that `take` fills in. */
export function begin(): void {
  pos = 2;
}

/** Where the next byte goes: a mark to `rewind` to. */
export function mark(): number {
  return pos;
}

/** Drops what was written since `at` (a `mark`). */
export function rewind(at: number): void {
  pos = at;
}

/** The record written since `begin`, as a buffer of its own, headed by `magic`, `version`. */
export function take(magic: number, version: number): Buffer {
  const out = Buffer.allocUnsafe(pos);
  buf.copy(out, 0, 0, pos);
  out[0] = magic;
  out[1] = version;
  // one huge record should not pin a huge scratch buffer
  if (buf.length > 16 * SCRATCH_BYTES) buf = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  return out;
}

/** One raw byte (a union branch index, a boolean, an enum index below 64). */
export function writeByte(b: number): void {
  ensure(1);
  buf[pos++] = b;
}

/** avsc's Tap.writeLong: zigzag varint, in floating point beyond 30 bits. */
export function writeLong(n: number): void {
  ensure(10);
  if (n >= -1073741824 && n < 1073741824) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    while (m > 0x7f) {
      buf[pos++] = (m & 0x7f) | 0x80;
      m >>= 7;
    }
    buf[pos++] = m;
  } else {
    let f = n >= 0 ? n * 2 : -n * 2 - 1;
    while (f >= 128) {
      buf[pos++] = (f & 0x7f) | 0x80;
      f /= 128;
    }
    buf[pos++] = f & 0x7f;
  }
}

/** An Avro int: throws MISMATCH for anything but a 32-bit integer (avsc refuses it). */
export function writeInt(v: unknown): void {
  if (v !== ((v as number) | 0)) throw MISMATCH;
  writeLong(v as number);
}

/** An instant as Avro long milliseconds (the codec's `Date.parse`). */
export function writeTime(iso: string): void {
  const t = Date.parse(iso);
  if (!Number.isSafeInteger(t)) throw MISMATCH;
  writeLong(t);
}

export function writeDouble(v: unknown): void {
  if (typeof v !== 'number') throw MISMATCH;
  ensure(8);
  buf.writeDoubleLE(v, pos);
  pos += 8;
}

export function writeString(s: unknown): void {
  if (typeof s !== 'string') throw MISMATCH;
  const len = s.length;
  if (len < 64) {
    // ASCII (nearly every value: codes, dates, ids): one length byte, one byte per char
    ensure(len + 1);
    let p = pos + 1;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        writeUtf8(s);
        return;
      }
      buf[p++] = c;
    }
    buf[pos] = len << 1;
    pos = p;
    return;
  }
  writeUtf8(s);
}

/** avsc's Tap.writeString: Buffer's UTF-8 above 64 bytes, its own loop below. */
function writeUtf8(s: string): void {
  const len = Buffer.byteLength(s);
  writeLong(len);
  ensure(len);
  if (len > 64) {
    buf.write(s, pos, len, 'utf8');
    pos += len;
    return;
  }
  let p = pos;
  for (let i = 0; i < s.length; i++) {
    let c1 = s.charCodeAt(i);
    if (c1 < 0x80) {
      buf[p++] = c1;
    } else if (c1 < 0x800) {
      buf[p++] = (c1 >> 6) | 0xc0;
      buf[p++] = (c1 & 0x3f) | 0x80;
    } else if ((c1 & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const c2 = s.charCodeAt(i + 1);
      c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
      i++;
      buf[p++] = (c1 >> 18) | 0xf0;
      buf[p++] = ((c1 >> 12) & 0x3f) | 0x80;
      buf[p++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[p++] = (c1 & 0x3f) | 0x80;
    } else {
      buf[p++] = (c1 >> 12) | 0xe0;
      buf[p++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[p++] = (c1 & 0x3f) | 0x80;
    }
  }
  pos += len;
}
