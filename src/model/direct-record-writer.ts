/**
 * The direct encoder of the current record schema, on ingest's hot path; codec.ts falls
 * back to avsc for anything it does not take.
 */
import type { Leg, Offer, Segment, ShoppingRecord } from './shopping-record.js';

/*
 * Direct writer of schema v1: the same bytes as avsc (Avro binary: zigzag varints,
 * length-prefixed UTF-8, little-endian doubles, one array block then 0, union branch
 * index then value) written straight from the record into one scratch buffer, without
 * the intermediate object of `toAvro` nor avsc's per-value union dispatch. This is on
 * ingest's hot path. Any value avsc would refuse throws MISMATCH, and the record is
 * encoded again by avsc, which words the error.
 */
const MISMATCH = new Error('not encodable by the direct writer');
const SCRATCH_BYTES = 64 * 1024;
let buf = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  const bigger = Buffer.allocUnsafeSlow(Math.max(pos + n, buf.length * 2));
  buf.copy(bigger, 0, 0, pos);
  buf = bigger;
}

/** avsc's Tap.writeLong: zigzag varint, in floating point beyond 30 bits. */
function writeLong(n: number): void {
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

function writeInt(v: unknown): void {
  if (v !== ((v as number) | 0)) throw MISMATCH;
  writeLong(v as number);
}

function writeTime(iso: string): void {
  const t = Date.parse(iso);
  if (!Number.isSafeInteger(t)) throw MISMATCH;
  writeLong(t);
}

function writeDouble(v: unknown): void {
  if (typeof v !== 'number') throw MISMATCH;
  ensure(8);
  buf.writeDoubleLE(v, pos);
  pos += 8;
}

function writeString(s: unknown): void {
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

/** Branch index of a ['null', T] union: 0 for null (absent), else 1 and the caller writes T. */
function present(v: unknown): boolean {
  ensure(1);
  if (v === undefined || v === null) {
    buf[pos++] = 0;
    return false;
  }
  buf[pos++] = 2;
  return true;
}

function writeEnum(index: number | undefined): void {
  if (index === undefined) throw MISMATCH;
  ensure(1);
  buf[pos++] = index << 1;
}

const TRIP_TYPES: Readonly<Record<string, number>> = { oneway: 0, roundtrip: 1, multicity: 2 };
const CABINS: Readonly<Record<string, number>> = { economy: 0, premium: 1, business: 2, first: 3 };
const PASSENGER_TYPES: Readonly<Record<string, number>> = { adult: 0, child: 1, infant: 2 };
const enumIndex = (table: Readonly<Record<string, number>>, v: unknown) =>
  typeof v === 'string' && Object.hasOwn(table, v) ? table[v] : undefined;

function writeArray<T>(items: readonly T[], write: (item: T) => void): void {
  if (!Array.isArray(items)) throw MISMATCH;
  if (items.length > 0) {
    writeLong(items.length);
    for (let i = 0; i < items.length; i++) write(items[i]!);
  }
  writeLong(0);
}

function writeSegment(s: Segment): void {
  writeString(s.carrier);
  writeString(s.flightNumber);
  if (present(s.operatingCarrier)) writeString(s.operatingCarrier);
  writeString(s.origin);
  writeString(s.destination);
  writeString(s.departAt);
  writeString(s.arriveAt);
  if (present(s.bookingClass)) writeString(s.bookingClass);
  if (present(s.fareBasis)) writeString(s.fareBasis);
  if (present(s.cabin)) writeEnum(enumIndex(CABINS, s.cabin));
}

function writeLeg(l: Leg): void {
  writeInt(l.stops);
  if (present(l.durationMinutes)) writeInt(l.durationMinutes);
  writeArray(l.segments, writeSegment);
}

function writePassengerPrice(p: NonNullable<Offer['passengerPrices']>[number]): void {
  writeEnum(enumIndex(PASSENGER_TYPES, p.type));
  writeInt(p.count);
  writeDouble(p.totalAmount);
  if (present(p.baseAmount)) writeDouble(p.baseAmount);
  if (present(p.taxAmount)) writeDouble(p.taxAmount);
}

function writeOffer(o: Offer): void {
  writeDouble(o.totalAmount);
  if (present(o.baseAmount)) writeDouble(o.baseAmount);
  if (present(o.taxAmount)) writeDouble(o.taxAmount);
  writeString(o.currency);
  if (present(o.perAdultAmount)) writeDouble(o.perAdultAmount);
  // toAvro writes any falsy passengerPrices as null
  if (present(o.passengerPrices || null)) writeArray(o.passengerPrices!, writePassengerPrice);
  writeString(o.validatingCarrier);
  writeArray(o.carriers, writeString);
  writeEnum(enumIndex(CABINS, o.cabin));
  if (present(o.refundable)) {
    if (typeof o.refundable !== 'boolean') throw MISMATCH;
    buf[pos++] = o.refundable ? 1 : 0;
  }
  if (present(o.seatsRemaining)) writeInt(o.seatsRemaining);
  writeArray(o.legs, writeLeg);
  if (o.amountsInconsistent !== undefined && typeof o.amountsInconsistent !== 'boolean') {
    throw MISMATCH;
  }
  ensure(1);
  buf[pos++] = o.amountsInconsistent === true ? 1 : 0;
}

function writeRecord(r: ShoppingRecord): void {
  writeString(r.id);
  writeString(r.vendor);
  writeTime(r.shoppedAt);
  writeTime(r.receivedAt);
  if (present(r.pos)) writeString(r.pos);
  writeString(r.origin);
  writeString(r.destination);
  writeString(r.departureDate);
  if (present(r.returnDate)) writeString(r.returnDate);
  writeEnum(enumIndex(TRIP_TYPES, r.tripType));
  writeInt(r.passengers.adults);
  writeInt(r.passengers.children);
  writeInt(r.passengers.infants);
  writeArray(r.offers, writeOffer);
}

/**
 * The encoded record: `magic`, `version`, then the Avro body of the current schema,
 * the same bytes as avsc. Undefined when a value is not one the direct writer takes (the
 * caller encodes it with avsc, which words the error).
 */
export function encodeDirect(
  r: ShoppingRecord,
  magic: number,
  version: number,
): Buffer | undefined {
  pos = 2;
  try {
    writeRecord(r);
  } catch {
    return undefined;
  }
  const out = Buffer.allocUnsafe(pos);
  buf.copy(out, 0, 0, pos);
  out[0] = magic;
  out[1] = version;
  // one huge record should not pin a huge scratch buffer
  if (buf.length > 16 * SCRATCH_BYTES) buf = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  return out;
}
