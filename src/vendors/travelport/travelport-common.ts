/**
 * Pieces both Travelport result shapes share (`AirPricePoint` and
 * `AirPricingSolution`): keyed lists, prefixed amounts, passenger prices from
 * `AirPricingInfo`, and segments from `BookingInfo` references.
 */
import type { Leg, Offer, PassengerPrice, Segment } from '../../model/shopping-record.js';
import { fromMinor, multiplyAmount, parsePrefixedAmount, sumAmounts, toMinor } from '../amount.js';
import { cabinFromName, offerCabin } from '../cabin.js';
import { localDateTime } from '../date-time.js';
import { PayloadError } from '../errors.js';
import { addPassengerPrice, carriersOf, optCarrier, withOptionals } from '../offer-parts.js';
import { passengerTypeOfCode } from '../passenger-type-code.js';
import { code, flightNumber, isObject, type Json, list, obj, optInt, optStr } from '../read.js';

/** Segments and fares of the response, by `Key`. */
export interface Lists {
  segments: Map<string, Json>;
  fares: Map<string, Json>;
}

/** Elements of a list by their `Key` attribute; throws PayloadError for a non-element. */
export function keyed(
  items: unknown,
  path: string,
  into = new Map<string, Json>(),
): Map<string, Json> {
  list(items).forEach((x, i) => {
    const o = obj(x, `${path}[${i}]`);
    if (typeof o.Key === 'string') into.set(o.Key, o);
  });
  return into;
}

/** The amount of a prefixed attribute when it is in `currency`, else undefined. */
export function inCurrency(raw: unknown, currency: string, path: string): number | undefined {
  if (raw === undefined) return undefined;
  const a = parsePrefixedAmount(raw, path);
  return a.currency === currency ? a.amount : undefined;
}

/** The first of `keys` whose prefixed amount is in `currency`. */
export function firstIn(
  o: Json,
  keys: string[],
  currency: string,
  path: string,
): number | undefined {
  for (const k of keys) {
    const v = inCurrency(o[k], currency, `${path}@${k}`);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Base price attributes, selling currency first. */
export const BASE_KEYS = ['BasePrice', 'ApproximateBasePrice', 'EquivalentBasePrice'];
/** Tax attributes. */
export const TAX_KEYS = ['Taxes', 'ApproximateTaxes'];

/**
 * The total of a price point or solution: `TotalPrice`, else `ApproximateTotalPrice`
 * (both "EUR123.45"); throws PayloadError naming the attribute.
 */
export function totalOf(o: Json, path: string): { currency: string; amount: number } {
  const key =
    o.TotalPrice === undefined && o.ApproximateTotalPrice !== undefined
      ? 'ApproximateTotalPrice'
      : 'TotalPrice';
  return parsePrefixedAmount(o[key], `${path}@${key}`);
}

/** Seats left in `bookingCode` from a 1G `BookingCounts` string ("C8|D8|Y9"). */
function seatsLeft(seg: Json, bookingCode: string): number | undefined {
  for (const info of list(seg.AirAvailInfo)) {
    if (!isObject(info)) continue;
    for (const bci of list(info.BookingCodeInfo)) {
      const counts = isObject(bci) ? optStr(bci.BookingCounts) : undefined;
      const m = counts
        ?.split('|')
        .find((c) => c.startsWith(bookingCode) && /^\d+$/.test(c.slice(bookingCode.length)));
      if (m) return Number(m.slice(bookingCode.length));
    }
  }
  return undefined;
}

/** A segment with what its booking adds, and the facts the offer aggregates. */
export interface BookedSegment {
  segment: Segment;
  technicalStops: number;
  seats: number | undefined;
}

/**
 * The segment `seg` (an `AirSegment`) as booked by `booking` (a `BookingInfo`, when the
 * result gives one): class, cabin, fare basis and seats left (`BookingCount`, else the
 * segment's availability counts). Technical stops come from `NumberOfStops`, else the
 * number of `FlightDetails` (referenced or inline) beyond the first.
 */
export function bookedSegment(
  lists: Lists,
  seg: Json,
  booking: Json | undefined,
  sp: string,
): BookedSegment {
  const bookingCode = optStr(booking?.BookingCode) ?? optStr(seg.ClassOfService);
  const fare = booking ? lists.fares.get(String(booking.FareInfoRef)) : undefined;
  const details = Math.max(list(seg.FlightDetailsRef).length, list(seg.FlightDetails).length);
  const s: Segment = {
    carrier: code(seg.Carrier, `${sp}@Carrier`),
    flightNumber: flightNumber(seg.FlightNumber, `${sp}@FlightNumber`),
    origin: code(seg.Origin, `${sp}@Origin`),
    destination: code(seg.Destination, `${sp}@Destination`),
    departAt: localDateTime(seg.DepartureTime, `${sp}@DepartureTime`),
    arriveAt: localDateTime(seg.ArrivalTime, `${sp}@ArrivalTime`),
  };
  const codeshare = list(seg.CodeshareInfo)[0];
  return {
    segment: withOptionals(s, {
      operatingCarrier: isObject(codeshare) ? codeshare.OperatingCarrier : undefined,
      bookingClass: bookingCode,
      fareBasis: fare?.FareBasis,
      cabin: cabinFromName(booking?.CabinClass ?? seg.CabinClass),
    }),
    technicalStops: optInt(seg.NumberOfStops) ?? Math.max(0, details - 1),
    seats: optInt(booking?.BookingCount) ?? (bookingCode ? seatsLeft(seg, bookingCode) : undefined),
  };
}

/** The `AirSegment` a `SegmentRef`/`Key` names; throws PayloadError naming `path`. */
export function segmentByRef(lists: Lists, ref: unknown, path: string): Json {
  const key = optStr(ref);
  const seg = key ? lists.segments.get(key) : undefined;
  if (!seg) throw new PayloadError(path, `unknown segment ${JSON.stringify(ref)}`);
  return seg;
}

/** Passenger prices of a result and the price of one adult, where they can be told. */
export interface PassengerPricing {
  prices: PassengerPrice[];
  perAdult: number | undefined;
}

/**
 * Passenger prices from the `AirPricingInfo`s of one price point or solution, each for
 * one passenger type with one `PassengerType` element per traveller. `AirPricingInfo`
 * is documented as all travellers of its type, but some hosts price one traveller; the
 * reading whose sum matches the result's total decides. Without a total on every
 * `AirPricingInfo` there are no passenger prices.
 */
export function passengerPricing(
  infos: Json[],
  currency: string,
  total: number,
  p: string,
): PassengerPricing {
  const raws = infos.map((info, j) => {
    const jp = `${p}.AirPricingInfo[${j}]`;
    const types = list(info.PassengerType);
    const count = Math.max(1, types.length);
    const ptc = isObject(types[0]) ? types[0].Code : types[0];
    return {
      type: passengerTypeOfCode(ptc),
      count,
      total: inCurrency(
        info.TotalPrice ?? info.ApproximateTotalPrice,
        currency,
        `${jp}@${info.TotalPrice === undefined ? 'ApproximateTotalPrice' : 'TotalPrice'}`,
      ),
      base: firstIn(info, BASE_KEYS, currency, jp),
      tax: firstIn(info, TAX_KEYS, currency, jp),
    };
  });
  const prices: PassengerPrice[] = [];
  let perAdult: number | undefined;
  if (raws.length === 0 || !raws.every((r) => r.total !== undefined)) return { prices, perAdult };
  const given = toMinor(
    sumAmounts(
      raws.map((r) => r.total!),
      currency,
    ),
    currency,
  );
  const perTravellerSum = raws.reduce((n, r) => n + toMinor(r.total!, currency) * r.count, 0);
  const want = toMinor(total, currency);
  const perTraveller = given !== want && perTravellerSum === want;
  for (const r of raws) {
    const times = (a: number) => (perTraveller ? multiplyAmount(a, r.count, currency) : a);
    const price: PassengerPrice = { type: r.type, count: r.count, totalAmount: times(r.total!) };
    if (r.base !== undefined) price.baseAmount = times(r.base);
    if (r.tax !== undefined) price.taxAmount = times(r.tax);
    if (r.type === 'adult' && perAdult === undefined) {
      const units = toMinor(r.total!, currency);
      if (perTraveller) perAdult = r.total!;
      else if (units % r.count === 0) perAdult = fromMinor(units / r.count, currency);
    }
    addPassengerPrice(prices, currency, price);
  }
  return { prices, perAdult };
}

/** `Refundable="true"|"false"` of an `AirPricingInfo`, else undefined. */
export function refundableOf(info: Json | undefined): boolean | undefined {
  const r = info?.Refundable;
  return r === 'true' ? true : r === 'false' ? false : undefined;
}

/** The prices of one price point or solution, as its offers carry them. */
export interface OfferPrices {
  currency: string;
  total: number;
  base?: number;
  tax?: number;
  perAdult?: number;
  prices: readonly PassengerPrice[];
  refundable?: boolean;
}

/**
 * An offer of `legs` at `price`: the validating carrier is `plating` (the pricing's
 * `PlatingCarrier`) or else the first segment's, and seats remaining the fewest of
 * `seats` (the segments' booking counts).
 */
export function pricedOffer(
  legs: Leg[],
  plating: unknown,
  price: OfferPrices,
  seats: readonly number[],
): Offer {
  const offer: Offer = {
    totalAmount: price.total,
    currency: price.currency,
    validatingCarrier: optCarrier(plating) ?? legs[0]!.segments[0]!.carrier,
    carriers: carriersOf(legs),
    cabin: offerCabin(
      legs.flatMap((l) => l.segments.map((s) => s.cabin)),
      'economy',
    ),
    legs,
  };
  if (price.base !== undefined) offer.baseAmount = price.base;
  if (price.tax !== undefined) offer.taxAmount = price.tax;
  if (price.perAdult !== undefined) offer.perAdultAmount = price.perAdult;
  if (price.prices.length > 0) offer.passengerPrices = price.prices.map((x) => ({ ...x }));
  if (price.refundable !== undefined) offer.refundable = price.refundable;
  if (seats.length > 0) offer.seatsRemaining = Math.min(...seats);
  return offer;
}
