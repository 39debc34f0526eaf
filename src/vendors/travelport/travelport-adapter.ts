/**
 * Travelport Universal API `LowFareSearchRsp` (air schema v3x-v5x) XML, in a SOAP
 * envelope or bare. Segments and fares are listed once (`AirSegmentList`,
 * `FareInfoList`) and referenced by `Key`; each `AirPricePoint` is one price with, per
 * leg, alternative `Option`s of `BookingInfo` segment references. Every combination of
 * options (up to `MAX_COMBINATIONS` per price point) is one offer at that price. Amounts
 * carry their currency in front ("EUR178.74"). One response gives one record; offers
 * are rejected by their price point's index.
 */
import { XMLParser } from 'fast-xml-parser';
import type { Leg, Offer, PassengerPrice, Segment } from '../../model/shopping-record.js';
import { AdapterBase } from '../adapter-base.js';
import { multiplyAmount, parsePrefixedAmount, sumAmounts, toMinor } from '../amount.js';
import { cabinFromName, offerCabin } from '../cabin.js';
import { isoDurationMinutes, localDateTime } from '../date-time.js';
import { PayloadError } from '../errors.js';
import { addPassengerPrice, carriersOf, legOf, optCarrier, withOptionals } from '../offer-parts.js';
import { passengerTypeOfCode } from '../passenger-type-code.js';
import {
  bodyText,
  code,
  flightNumber,
  isObject,
  type Json,
  list,
  obj,
  optInt,
  optStr,
} from '../read.js';
import { collectOffers, finishRecord, type SliceEcho } from '../record-builder.js';
import type { AdapterResult, Rejection, RequestContext } from '../vendor-adapter.js';

/** Most offers taken from one price point's option combinations. */
export const MAX_COMBINATIONS = 32;

function keyed(items: unknown, path: string): Map<string, Json> {
  const m = new Map<string, Json>();
  list(items).forEach((x, i) => {
    const o = obj(x, `${path}[${i}]`);
    if (typeof o.Key === 'string') m.set(o.Key, o);
  });
  return m;
}

/** The amount of a prefixed attribute when it is in `currency`, else undefined. */
function inCurrency(raw: unknown, currency: string, path: string): number | undefined {
  if (raw === undefined) return undefined;
  const a = parsePrefixedAmount(raw, path);
  return a.currency === currency ? a.amount : undefined;
}

function firstIn(o: Json, keys: string[], currency: string, path: string): number | undefined {
  for (const k of keys) {
    const v = inCurrency(o[k], currency, `${path}@${k}`);
    if (v !== undefined) return v;
  }
  return undefined;
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

interface Lists {
  segments: Map<string, Json>;
  fares: Map<string, Json>;
}

function combinations<T>(choices: T[][]): T[][] {
  let out: T[][] = [[]];
  for (const options of choices) {
    const next: T[][] = [];
    for (const prefix of out) {
      for (const o of options) {
        if (next.length >= MAX_COMBINATIONS) break;
        next.push([...prefix, o]);
      }
    }
    out = next;
  }
  return out;
}

function parsePricePoint(lists: Lists, raw: unknown, i: number): Offer[] {
  const p = `AirPricePointList.AirPricePoint[${i}]`;
  const pp = obj(raw, p);
  const { currency, amount: total } = parsePrefixedAmount(pp.TotalPrice, `${p}@TotalPrice`);
  const infos = list(pp.AirPricingInfo).map((x, j) => obj(x, `${p}.AirPricingInfo[${j}]`));
  const first = infos[0];
  if (!first) throw new PayloadError(`${p}.AirPricingInfo`, 'missing');
  const ip = `${p}.AirPricingInfo[0]`;

  // Passenger prices: AirPricingInfo is documented as all travellers of its type, but
  // some hosts price one traveller; the sum that matches the price point's total decides.
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
        `${jp}@TotalPrice`,
      ),
      base: firstIn(
        info,
        ['BasePrice', 'ApproximateBasePrice', 'EquivalentBasePrice'],
        currency,
        jp,
      ),
      tax: firstIn(info, ['Taxes', 'ApproximateTaxes'], currency, jp),
    };
  });
  const prices: PassengerPrice[] = [];
  let perAdult: number | undefined;
  if (raws.every((r) => r.total !== undefined)) {
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
        else if (units % r.count === 0) perAdult = r.total! / r.count;
      }
      addPassengerPrice(prices, currency, price);
    }
  }

  const legChoices = list(
    isObject(first.FlightOptionsList) ? first.FlightOptionsList.FlightOption : undefined,
  ).map((fo, k) => {
    const fp = `${ip}.FlightOptionsList.FlightOption[${k}]`;
    const options = list(obj(fo, fp).Option).map((x, n) => ({
      option: obj(x, `${fp}.Option[${n}]`),
      path: `${fp}.Option[${n}]`,
    }));
    if (options.length === 0) throw new PayloadError(`${fp}.Option`, 'no options');
    return options;
  });
  if (legChoices.length === 0)
    throw new PayloadError(`${ip}.FlightOptionsList`, 'no flight options');

  const seatCounts: number[] = [];
  const toLeg = ({ option, path }: { option: Json; path: string }): Leg => {
    let technical = 0;
    const segments = list(option.BookingInfo).map((b, n) => {
      const bp = `${path}.BookingInfo[${n}]`;
      const bi = obj(b, bp);
      const ref = optStr(bi.SegmentRef);
      const seg = ref ? lists.segments.get(ref) : undefined;
      if (!seg)
        throw new PayloadError(
          `${bp}@SegmentRef`,
          `unknown segment ${JSON.stringify(bi.SegmentRef)}`,
        );
      const sp = `AirSegment[Key=${ref}]`;
      const fare = lists.fares.get(String(bi.FareInfoRef));
      const bookingCode = optStr(bi.BookingCode);
      const left = bookingCode ? seatsLeft(seg, bookingCode) : undefined;
      if (left !== undefined) seatCounts.push(left);
      technical += optInt(seg.NumberOfStops) ?? Math.max(0, list(seg.FlightDetailsRef).length - 1);
      const s: Segment = {
        carrier: code(seg.Carrier, `${sp}@Carrier`),
        flightNumber: flightNumber(seg.FlightNumber, `${sp}@FlightNumber`),
        origin: code(seg.Origin, `${sp}@Origin`),
        destination: code(seg.Destination, `${sp}@Destination`),
        departAt: localDateTime(seg.DepartureTime, `${sp}@DepartureTime`),
        arriveAt: localDateTime(seg.ArrivalTime, `${sp}@ArrivalTime`),
      };
      const codeshare = list(seg.CodeshareInfo)[0];
      return withOptionals(s, {
        operatingCarrier: isObject(codeshare) ? codeshare.OperatingCarrier : undefined,
        bookingClass: bookingCode,
        fareBasis: fare?.FareBasis,
        cabin: cabinFromName(bi.CabinClass ?? seg.CabinClass),
      });
    });
    if (segments.length === 0) throw new PayloadError(`${path}.BookingInfo`, 'no segments');
    return legOf(segments, isoDurationMinutes(option.TravelTime), technical);
  };

  const refundable =
    first.Refundable === 'true' ? true : first.Refundable === 'false' ? false : undefined;
  const base = firstIn(
    pp,
    ['BasePrice', 'ApproximateBasePrice', 'EquivalentBasePrice'],
    currency,
    p,
  );
  const tax = firstIn(pp, ['Taxes', 'ApproximateTaxes'], currency, p);
  return combinations(legChoices).map((combo) => {
    seatCounts.length = 0;
    const legs = combo.map(toLeg);
    const offer: Offer = {
      totalAmount: total,
      currency,
      validatingCarrier: optCarrier(first.PlatingCarrier) ?? legs[0]!.segments[0]!.carrier,
      carriers: carriersOf(legs),
      cabin: offerCabin(
        legs.flatMap((l) => l.segments.map((s) => s.cabin)),
        'economy',
      ),
      legs,
    };
    if (base !== undefined) offer.baseAmount = base;
    if (tax !== undefined) offer.taxAmount = tax;
    if (perAdult !== undefined) offer.perAdultAmount = perAdult;
    if (prices.length > 0) offer.passengerPrices = prices.map((x) => ({ ...x }));
    if (refundable !== undefined) offer.refundable = refundable;
    if (seatCounts.length > 0) offer.seatsRemaining = Math.min(...seatCounts);
    return offer;
  });
}

/** Adapter for Travelport uAPI `LowFareSearchRsp` XML. */
export class TravelportAdapter extends AdapterBase {
  readonly name = 'travelport' as const;
  readonly contentTypes = ['text/xml', 'application/xml', 'application/soap+xml'];
  readonly #parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    parseAttributeValue: false,
    parseTagValue: false,
    processEntities: true,
  });

  protected read(body: string | Buffer, ctx: RequestContext): AdapterResult {
    const text = bodyText(body);
    if (text.trim() === '') throw new PayloadError('', 'empty payload');
    let doc: unknown;
    try {
      doc = this.#parser.parse(text, true);
    } catch (err) {
      throw new PayloadError('', `not valid XML: ${(err as Error).message}`);
    }
    const root = obj(doc, 'payload');
    const envBody =
      isObject(root.Envelope) && isObject(root.Envelope.Body) ? root.Envelope.Body : root;
    if (isObject(envBody.Fault)) {
      throw new PayloadError(
        'Fault',
        `SOAP fault: ${optStr(envBody.Fault.faultstring) ?? 'no faultstring'}`,
      );
    }
    if (!isObject(envBody.LowFareSearchRsp)) {
      throw new PayloadError(
        'payload',
        'no LowFareSearchRsp element (expected a uAPI low fare search response)',
      );
    }
    const rsp = envBody.LowFareSearchRsp;
    const lists: Lists = {
      segments: keyed(
        isObject(rsp.AirSegmentList) ? rsp.AirSegmentList.AirSegment : undefined,
        'AirSegmentList.AirSegment',
      ),
      fares: keyed(
        isObject(rsp.FareInfoList) ? rsp.FareInfoList.FareInfo : undefined,
        'FareInfoList.FareInfo',
      ),
    };
    const points = isObject(rsp.AirPricePointList) ? list(rsp.AirPricePointList.AirPricePoint) : [];
    if (points.length === 0) {
      throw new PayloadError(
        'AirPricePointList',
        list(rsp.AirPricingSolution).length > 0
          ? 'AirPricingSolution results are not supported; request AirPricePoint results'
          : 'no AirPricePoint in the response',
      );
    }
    const route = isObject(rsp.RouteList) ? list(rsp.RouteList.Route)[0] : undefined;
    const slices: SliceEcho[] = [];
    for (const leg of list(isObject(route) ? route.Leg : undefined)) {
      if (!isObject(leg)) continue;
      const origin = optStr(leg.Origin);
      const destination = optStr(leg.Destination);
      if (origin && destination)
        slices.push({ origin: origin.toUpperCase(), destination: destination.toUpperCase() });
    }
    const rejected: Rejection[] = [];
    const offers = collectOffers(points, (pp, i) => parsePricePoint(lists, pp, i), rejected);
    const echo = { id: optStr(rsp.TransactionId), slices };
    return finishRecord({ vendor: this.name, body, ctx, echo, offers, rejected });
  }
}
