/**
 * The direct encoder of the current record schema, on ingest's hot path; codec.ts falls
 * back to avsc for anything it does not take.
 */
import {
  begin,
  MISMATCH,
  take,
  writeByte,
  writeDouble,
  writeInt,
  writeLong,
  writeString,
  writeTime,
} from './avro-tap.js';
import type { Leg, Offer, Segment, ShoppingRecord } from './shopping-record.js';

/*
 * Direct writer of schema v1: the same bytes as avsc (Avro binary: zigzag varints,
 * length-prefixed UTF-8, little-endian doubles, one array block then 0, union branch
 * index then value; see avro-tap.ts) written straight from the record, without
 * the intermediate object of `toAvro` nor avsc's per-value union dispatch. This is on
 * ingest's hot path. Any value avsc would refuse throws MISMATCH, and the record is
 * encoded again by avsc, which words the error.
 */
/** Branch index of a ['null', T] union: 0 for null (absent), else 1 and the caller writes T. */
function present(v: unknown): boolean {
  if (v === undefined || v === null) {
    writeByte(0);
    return false;
  }
  writeByte(2);
  return true;
}

function writeEnum(index: number | undefined): void {
  if (index === undefined) throw MISMATCH;
  writeByte(index << 1);
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
    writeByte(o.refundable ? 1 : 0);
  }
  if (present(o.seatsRemaining)) writeInt(o.seatsRemaining);
  writeArray(o.legs, writeLeg);
  if (o.amountsInconsistent !== undefined && typeof o.amountsInconsistent !== 'boolean') {
    throw MISMATCH;
  }
  writeByte(o.amountsInconsistent === true ? 1 : 0);
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
  begin();
  try {
    writeRecord(r);
  } catch {
    return undefined;
  }
  return take(magic, version);
}
