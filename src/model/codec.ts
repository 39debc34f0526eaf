/**
 * The versioned binary encoding of a ShoppingRecord on the stream: one magic byte, one
 * schema version byte, then the record in Avro binary (avsc). Decoding reads any version
 * this build knows, resolving old schemas to the current shape, so a stream written by
 * an older release stays readable.
 */
import avro from 'avsc';
import { encodeDirect } from './direct-record-writer.js';
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

/** Encodes a validated record. Throws CodecError if the record does not fit the schema. */
export function encodeRecord(r: ShoppingRecord): Buffer {
  // not for the direct writer (a value of the wrong type): avsc decides and words it
  return encodeDirect(r, MAGIC, RECORD_SCHEMA_VERSION) ?? encodeWithAvsc(r);
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
