/**
 * The versioned binary encoding of a ShoppingRecord on the stream: one magic byte, one
 * schema version byte, then the record in Avro binary (avsc). Decoding reads any version
 * this build knows, resolving old schemas to the current shape, so a stream written by
 * an older release stays readable.
 */
import avro from 'avsc';
import { CodecError } from './errors.js';
import type { Leg, Offer, Segment, ShoppingRecord } from './shopping-record.js';

const MAGIC = 0xfa;
/** Current schema version written by `encodeRecord`. */
export const RECORD_SCHEMA_VERSION = 2;

const opt = (type: unknown) => ({ type: ['null', type], default: null });
const cabin = { type: 'enum', name: 'Cabin', symbols: ['economy', 'premium', 'business', 'first'] };

/** Avro schema of version 1, also the lake's reference for column names. */
export const RECORD_AVRO_SCHEMA_V1 = {
  type: 'record',
  name: 'ShoppingRecord',
  namespace: 'io.faresight',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'vendor', type: 'string' },
    { name: 'shoppedAt', type: 'long' },
    { name: 'receivedAt', type: 'long' },
    { name: 'pos', ...opt('string') },
    { name: 'origin', type: 'string' },
    { name: 'destination', type: 'string' },
    { name: 'departureDate', type: 'string' },
    { name: 'returnDate', ...opt('string') },
    {
      name: 'tripType',
      type: { type: 'enum', name: 'TripType', symbols: ['oneway', 'roundtrip', 'multicity'] },
    },
    {
      name: 'passengers',
      type: {
        type: 'record',
        name: 'Passengers',
        fields: [
          { name: 'adults', type: 'int' },
          { name: 'children', type: 'int' },
          { name: 'infants', type: 'int' },
        ],
      },
    },
    {
      name: 'offers',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Offer',
          fields: [
            { name: 'totalAmount', type: 'double' },
            { name: 'baseAmount', ...opt('double') },
            { name: 'taxAmount', ...opt('double') },
            { name: 'currency', type: 'string' },
            { name: 'perAdultAmount', ...opt('double') },
            {
              name: 'passengerPrices',
              ...opt({
                type: 'array',
                items: {
                  type: 'record',
                  name: 'PassengerPrice',
                  fields: [
                    {
                      name: 'type',
                      type: {
                        type: 'enum',
                        name: 'PassengerType',
                        symbols: ['adult', 'child', 'infant'],
                      },
                    },
                    { name: 'count', type: 'int' },
                    { name: 'totalAmount', type: 'double' },
                    { name: 'baseAmount', ...opt('double') },
                    { name: 'taxAmount', ...opt('double') },
                  ],
                },
              }),
            },
            { name: 'validatingCarrier', type: 'string' },
            { name: 'carriers', type: { type: 'array', items: 'string' } },
            { name: 'cabin', type: cabin },
            { name: 'refundable', ...opt('boolean') },
            { name: 'seatsRemaining', ...opt('int') },
            {
              name: 'legs',
              type: {
                type: 'array',
                items: {
                  type: 'record',
                  name: 'Leg',
                  fields: [
                    { name: 'stops', type: 'int' },
                    { name: 'durationMinutes', ...opt('int') },
                    {
                      name: 'segments',
                      type: {
                        type: 'array',
                        items: {
                          type: 'record',
                          name: 'Segment',
                          fields: [
                            { name: 'carrier', type: 'string' },
                            { name: 'flightNumber', type: 'string' },
                            { name: 'operatingCarrier', ...opt('string') },
                            { name: 'origin', type: 'string' },
                            { name: 'destination', type: 'string' },
                            { name: 'departAt', type: 'string' },
                            { name: 'arriveAt', type: 'string' },
                            { name: 'bookingClass', ...opt('string') },
                            { name: 'fareBasis', ...opt('string') },
                            { name: 'cabin', ...opt('Cabin') },
                          ],
                        },
                      },
                    },
                  ],
                },
              },
            },
          ],
        },
      },
    },
  ],
} as const;

/**
 * Avro schema of version 2: version 1 plus the offer's `amountsInconsistent` (a boolean
 * defaulting to false, so version 1 entries read as consistent), written last in Offer.
 */
export const RECORD_AVRO_SCHEMA_V2 = (() => {
  const v2 = structuredClone(RECORD_AVRO_SCHEMA_V1) as unknown as {
    fields: { name: string; type: { items: { fields: object[] } } }[];
  };
  const offers = v2.fields.find((f) => f.name === 'offers')!;
  offers.type.items.fields.push({ name: 'amountsInconsistent', type: 'boolean', default: false });
  return v2 as object;
})();

const V1 = avro.Type.forSchema(RECORD_AVRO_SCHEMA_V1 as unknown as avro.Schema, {
  wrapUnions: false,
});
const CURRENT = avro.Type.forSchema(RECORD_AVRO_SCHEMA_V2 as unknown as avro.Schema, {
  wrapUnions: false,
});
/**
 * Readers for every known version, each giving the current shape. A new version adds
 * `[n, (b) => CURRENT.fromBuffer(b, CURRENT.createResolver(OLD))]` for the old one.
 */
const FROM_V1 = CURRENT.createResolver(V1);
const READERS = new Map<number, (body: Buffer) => unknown>([
  [1, (b) => CURRENT.fromBuffer(b, FROM_V1)],
  [2, (b) => CURRENT.fromBuffer(b)],
]);

// Optional fields are absent (not null) in the record; avro needs explicit nulls.
function n<T>(v: T | undefined): T | null {
  return v === undefined ? null : v;
}
function u<T>(v: T | null | undefined): T | undefined {
  return v === null ? undefined : v;
}
/** Sets `key` on `target` only when the value is present, keeping records free of undefined. */
function put<T extends object, K extends keyof T>(target: T, key: K, v: T[K] | null | undefined) {
  if (v !== null && v !== undefined) target[key] = v;
}

type AvroObj = Record<string, unknown>;

function toAvro(r: ShoppingRecord): AvroObj {
  return {
    id: r.id,
    vendor: r.vendor,
    shoppedAt: Date.parse(r.shoppedAt),
    receivedAt: Date.parse(r.receivedAt),
    pos: n(r.pos),
    origin: r.origin,
    destination: r.destination,
    departureDate: r.departureDate,
    returnDate: n(r.returnDate),
    tripType: r.tripType,
    passengers: r.passengers,
    offers: r.offers.map((o) => ({
      totalAmount: o.totalAmount,
      baseAmount: n(o.baseAmount),
      taxAmount: n(o.taxAmount),
      currency: o.currency,
      perAdultAmount: n(o.perAdultAmount),
      passengerPrices: o.passengerPrices
        ? o.passengerPrices.map((p) => ({
            type: p.type,
            count: p.count,
            totalAmount: p.totalAmount,
            baseAmount: n(p.baseAmount),
            taxAmount: n(p.taxAmount),
          }))
        : null,
      validatingCarrier: o.validatingCarrier,
      carriers: o.carriers,
      cabin: o.cabin,
      refundable: n(o.refundable),
      seatsRemaining: n(o.seatsRemaining),
      amountsInconsistent: o.amountsInconsistent === true,
      legs: o.legs.map((l) => ({
        stops: l.stops,
        durationMinutes: n(l.durationMinutes),
        segments: l.segments.map((s) => ({
          carrier: s.carrier,
          flightNumber: s.flightNumber,
          operatingCarrier: n(s.operatingCarrier),
          origin: s.origin,
          destination: s.destination,
          departAt: s.departAt,
          arriveAt: s.arriveAt,
          bookingClass: n(s.bookingClass),
          fareBasis: n(s.fareBasis),
          cabin: n(s.cabin),
        })),
      })),
    })),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: decoded avro values are checked by the schema
function fromAvro(a: any): ShoppingRecord {
  const r: ShoppingRecord = {
    id: a.id,
    vendor: a.vendor,
    shoppedAt: new Date(a.shoppedAt).toISOString(),
    receivedAt: new Date(a.receivedAt).toISOString(),
    origin: a.origin,
    destination: a.destination,
    departureDate: a.departureDate,
    tripType: a.tripType,
    passengers: {
      adults: a.passengers.adults,
      children: a.passengers.children,
      infants: a.passengers.infants,
    },
    offers: [],
  };
  put(r, 'pos', a.pos);
  put(r, 'returnDate', a.returnDate);
  // biome-ignore lint/suspicious/noExplicitAny: see above
  r.offers = a.offers.map((ao: any) => {
    const o: Offer = {
      totalAmount: ao.totalAmount,
      currency: ao.currency,
      validatingCarrier: ao.validatingCarrier,
      carriers: ao.carriers,
      cabin: ao.cabin,
      legs: [],
    };
    put(o, 'baseAmount', ao.baseAmount);
    put(o, 'taxAmount', ao.taxAmount);
    put(o, 'perAdultAmount', ao.perAdultAmount);
    if (ao.passengerPrices) {
      // biome-ignore lint/suspicious/noExplicitAny: see above
      o.passengerPrices = ao.passengerPrices.map((ap: any) => {
        const p = { type: ap.type, count: ap.count, totalAmount: ap.totalAmount };
        put(p as Record<string, unknown>, 'baseAmount', u(ap.baseAmount));
        put(p as Record<string, unknown>, 'taxAmount', u(ap.taxAmount));
        return p;
      });
    }
    put(o, 'refundable', ao.refundable);
    put(o, 'seatsRemaining', ao.seatsRemaining);
    if (ao.amountsInconsistent === true) o.amountsInconsistent = true;
    // biome-ignore lint/suspicious/noExplicitAny: see above
    o.legs = ao.legs.map((al: any) => {
      const l: Leg = { stops: al.stops, segments: [] };
      put(l, 'durationMinutes', al.durationMinutes);
      // biome-ignore lint/suspicious/noExplicitAny: see above
      l.segments = al.segments.map((as: any) => {
        const s: Segment = {
          carrier: as.carrier,
          flightNumber: as.flightNumber,
          origin: as.origin,
          destination: as.destination,
          departAt: as.departAt,
          arriveAt: as.arriveAt,
        };
        put(s, 'operatingCarrier', as.operatingCarrier);
        put(s, 'bookingClass', as.bookingClass);
        put(s, 'fareBasis', as.fareBasis);
        put(s, 'cabin', as.cabin);
        return s;
      });
      return l;
    });
    return o;
  });
  return r;
}

/**
 * The avsc encoding of the current schema, kept as the reference: `encodeRecord` falls
 * back to it for anything its direct writer below does not take, so the bytes and the
 * errors are avsc's.
 */
function encodeWithAvsc(r: ShoppingRecord): Buffer {
  let body: Buffer;
  try {
    body = CURRENT.toBuffer(toAvro(r));
  } catch (err) {
    throw new CodecError(`record ${r.id} does not fit schema v${RECORD_SCHEMA_VERSION}`, {
      cause: err,
    });
  }
  const out = Buffer.allocUnsafe(body.length + 2);
  out[0] = MAGIC;
  out[1] = RECORD_SCHEMA_VERSION;
  body.copy(out, 2);
  return out;
}

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

/** Encodes a validated record. Throws CodecError if the record does not fit the schema. */
export function encodeRecord(r: ShoppingRecord): Buffer {
  pos = 2;
  try {
    writeRecord(r);
  } catch {
    // not for the direct writer (a value of the wrong type): avsc decides and words it
    return encodeWithAvsc(r);
  }
  const out = Buffer.allocUnsafe(pos);
  buf.copy(out, 0, 0, pos);
  out[0] = MAGIC;
  out[1] = RECORD_SCHEMA_VERSION;
  // one huge record should not pin a huge scratch buffer
  if (buf.length > 16 * SCRATCH_BYTES) buf = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  return out;
}

/** The avsc encoder alone, for tests that check the direct writer gives the same bytes. */
export function encodeRecordWithAvsc(r: ShoppingRecord): Buffer {
  return encodeWithAvsc(r);
}

/** Decodes bytes written by any known schema version. Throws CodecError on bad bytes. */
export function decodeRecord(buf: Uint8Array): ShoppingRecord {
  if (buf.length < 3 || buf[0] !== MAGIC)
    throw new CodecError('not a Faresight record (bad magic byte)');
  const version = buf[1]!;
  const reader = READERS.get(version);
  if (!reader) throw new CodecError(`unknown record schema version ${version}`);
  const body = Buffer.from(buf.buffer, buf.byteOffset + 2, buf.length - 2);
  try {
    return fromAvro(reader(body));
  } catch (err) {
    throw new CodecError(`corrupt record (schema v${version})`, { cause: err });
  }
}

/** The first byte of every encoded record; the second is the schema version. */
export const RECORD_MAGIC = MAGIC;

/**
 * The writer schema of every version `decodeRecord` reads, for readers that walk the
 * Avro bytes themselves (the lake's transcoder). A new version adds its entry here too.
 */
export const RECORD_AVRO_SCHEMAS: ReadonlyMap<number, object> = new Map([
  [1, RECORD_AVRO_SCHEMA_V1],
  [2, RECORD_AVRO_SCHEMA_V2],
]);
