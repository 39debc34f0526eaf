/**
 * Sabre BFM v5/v6 `groupedItineraryResponse` JSON. Flights are described once
 * (`scheduleDescs`, `legDescs`, `fareComponentDescs`) and referenced by id. Each
 * `itineraryGroups[]` entry is one searched date combination (its `legDescriptions`
 * give the requested legs with departure dates; an alternate-dates or calendar search
 * has several); offers become one record per date pair they fly on. A segment's dates are rebuilt
 * from its leg's departure date plus `departureDateAdjustment`, and the arrival's
 * `dateAdjustment`. Rejection indexes count itineraries across all groups.
 */
import type { Offer, PassengerPrice, Segment } from '../../model/shopping-record.js';
import { multiplyAmount, parseAmount, parseCurrency } from '../amount.js';
import { offerCabin, SABRE_CABIN_CODES } from '../cabin.js';
import { addDays, localTime } from '../date-time.js';
import { PayloadError } from '../errors.js';
import { addPassengerPrice, carriersOf, legOf, optCarrier, withOptionals } from '../offer-parts.js';
import { passengerTypeOfCode } from '../passenger-type-code.js';
import {
  arr,
  code,
  flightNumber,
  isObject,
  type Json,
  list,
  obj,
  optBool,
  optInt,
  optSignedInt,
  str,
} from '../read.js';
import { collectOffers, finishRecord, type SliceEcho } from '../record-builder.js';
import type { AdapterResult, Rejection, RequestContext } from '../vendor-adapter.js';
import { sabreError, sabreTransactionId } from './sabre-common.js';

function byId(items: unknown, path: string): Map<string, Json> {
  const m = new Map<string, Json>();
  list(items).forEach((x, i) => {
    if (isObject(x) && x.id !== undefined) m.set(String(x.id), x);
    else if (x !== undefined) throw new PayloadError(`${path}[${i}]`, 'description without id');
  });
  return m;
}

/** A day adjustment (may be negative, e.g. an arrival across the date line); 0 when absent. */
function dayAdjustment(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  const n = optSignedInt(v);
  if (n === undefined)
    throw new PayloadError(path, `${JSON.stringify(v)} is not a whole number of days`);
  return n;
}

function lookup(m: Map<string, Json>, ref: unknown, path: string): Json {
  const found = m.get(String(ref));
  if (!found) throw new PayloadError(path, `unknown reference ${JSON.stringify(ref)}`);
  return found;
}

interface Descs {
  schedules: Map<string, Json>;
  legs: Map<string, Json>;
  fareComponents: Map<string, Json>;
  validating: Map<string, Json>;
}

interface SegmentFare {
  bookingCode?: unknown;
  cabinCode?: unknown;
  seatsAvailable?: unknown;
  fareBasis?: unknown;
}

function parseItinerary(descs: Descs, legDates: string[], raw: unknown, p: string): Offer {
  const it = obj(raw, p);
  // Several pricing entries (brands, NDC and ATPCO sources): the first with a fare.
  const pricings = list(it.pricingInformation);
  const pi = Math.max(
    0,
    pricings.findIndex((x) => isObject(x) && isObject(x.fare)),
  );
  const fp = `${p}.pricingInformation[${pi}].fare`;
  const fare = obj(obj(pricings[pi], `${p}.pricingInformation[${pi}]`).fare, fp);
  const tf = obj(fare.totalFare, `${fp}.totalFare`);
  const currency = parseCurrency(tf.currency, `${fp}.totalFare.currency`);
  const total = parseAmount(tf.totalPrice, currency, `${fp}.totalFare.totalPrice`);

  const paxList = list(fare.passengerInfoList).map((x, j) =>
    obj(isObject(x) ? x.passengerInfo : x, `${fp}.passengerInfoList[${j}].passengerInfo`),
  );
  // Booking facts per segment, in flight order, from the first passenger's fare components.
  const segFares: SegmentFare[] = [];
  list(paxList[0]?.fareComponents).forEach((fc, j) => {
    const comp = obj(fc, `${fp}.passengerInfoList[0].passengerInfo.fareComponents[${j}]`);
    const desc = descs.fareComponents.get(String(comp.ref)) ?? {};
    for (const s of list(comp.segments)) {
      const seg = isObject(s) && isObject(s.segment) ? s.segment : {};
      segFares.push({
        ...seg,
        cabinCode: seg.cabinCode ?? desc.cabinCode,
        fareBasis: desc.fareBasisCode,
      });
    }
  });

  let segIndex = 0;
  const seats: number[] = [];
  const legs = arr(it.legs, `${p}.legs`).map((lr, k) => {
    const lp = `${p}.legs[${k}]`;
    const legDesc = lookup(descs.legs, obj(lr, lp).ref, `${lp}.ref`);
    const legDate = legDates[k];
    if (!legDate)
      throw new PayloadError(
        lp,
        `no departureDate for leg ${k} in groupDescription.legDescriptions`,
      );
    const scheds = arr(legDesc.schedules, `legDescs[id=${String(legDesc.id)}].schedules`);
    let technical = 0;
    const segments = scheds.map((sr, n) => {
      const sp = `legDescs[id=${String(legDesc.id)}].schedules[${n}]`;
      const sref = obj(sr, sp);
      const sched = lookup(descs.schedules, sref.ref, `${sp}.ref`);
      const dp = `scheduleDescs[id=${String(sched.id)}]`;
      const dep = obj(sched.departure, `${dp}.departure`);
      const arrv = obj(sched.arrival, `${dp}.arrival`);
      const carrier = obj(sched.carrier, `${dp}.carrier`);
      const depDate = addDays(
        legDate,
        dayAdjustment(sref.departureDateAdjustment, `${sp}.departureDateAdjustment`),
        `groupDescription.legDescriptions[${k}].departureDate`,
      );
      const arrDate = addDays(
        depDate,
        dayAdjustment(arrv.dateAdjustment, `${dp}.arrival.dateAdjustment`),
        `${dp}.arrival`,
      );
      technical += optInt(sched.stopCount) ?? 0;
      const f = segFares[segIndex++] ?? {};
      const left = optInt(f.seatsAvailable);
      if (left !== undefined) seats.push(left);
      const seg: Segment = {
        carrier: code(carrier.marketing, `${dp}.carrier.marketing`),
        flightNumber: flightNumber(
          carrier.marketingFlightNumber,
          `${dp}.carrier.marketingFlightNumber`,
        ),
        origin: code(dep.airport, `${dp}.departure.airport`),
        destination: code(arrv.airport, `${dp}.arrival.airport`),
        departAt: `${depDate}T${localTime(dep.time, `${dp}.departure.time`)}`,
        arriveAt: `${arrDate}T${localTime(arrv.time, `${dp}.arrival.time`)}`,
      };
      return withOptionals(seg, {
        operatingCarrier: carrier.operating,
        bookingClass: f.bookingCode,
        fareBasis: f.fareBasis,
        cabin: typeof f.cabinCode === 'string' ? SABRE_CABIN_CODES[f.cabinCode] : undefined,
      });
    });
    return legOf(segments, optInt(legDesc.elapsedTime), technical);
  });

  const prices: PassengerPrice[] = [];
  let perAdult: number | undefined;
  let refundable: boolean | undefined;
  paxList.forEach((pi, j) => {
    const pp = `${fp}.passengerInfoList[${j}].passengerInfo`;
    const type = passengerTypeOfCode(pi.passengerType);
    const count = optInt(pi.passengerNumber) ?? 1;
    if (!isObject(pi.passengerTotalFare)) return;
    const ptf = pi.passengerTotalFare;
    if (ptf.currency !== undefined && ptf.currency !== currency) return;
    const one = parseAmount(ptf.totalFare, currency, `${pp}.passengerTotalFare.totalFare`);
    if (type === 'adult' && perAdult === undefined) perAdult = one;
    const price: PassengerPrice = {
      type,
      count,
      totalAmount: multiplyAmount(one, count, currency),
    };
    const base = baseIn(ptf, currency, `${pp}.passengerTotalFare`);
    if (base !== undefined) price.baseAmount = multiplyAmount(base, count, currency);
    if (ptf.totalTaxAmount !== undefined) {
      const tax = parseAmount(
        ptf.totalTaxAmount,
        currency,
        `${pp}.passengerTotalFare.totalTaxAmount`,
      );
      price.taxAmount = multiplyAmount(tax, count, currency);
    }
    addPassengerPrice(prices, currency, price);
    const nonRefundable = optBool(pi.nonRefundable);
    if (refundable === undefined && nonRefundable !== undefined) refundable = !nonRefundable;
  });

  const vref = list(fare.validatingCarriers)[0];
  const vdesc = isObject(vref) ? descs.validating.get(String(vref.ref)) : undefined;
  const offer: Offer = {
    totalAmount: total,
    currency,
    validatingCarrier:
      optCarrier(fare.validatingCarrierCode) ??
      optCarrier(isObject(vdesc?.default) ? vdesc.default.code : undefined) ??
      legs[0]?.segments[0]?.carrier ??
      '',
    carriers: carriersOf(legs),
    cabin: offerCabin(
      legs.flatMap((l) => l.segments.map((s) => s.cabin)),
      'economy',
    ),
    legs,
  };
  const base = baseIn(tf, currency, `${fp}.totalFare`, 'baseFare');
  if (base !== undefined) offer.baseAmount = base;
  if (tf.totalTaxAmount !== undefined) {
    offer.taxAmount = parseAmount(tf.totalTaxAmount, currency, `${fp}.totalFare.totalTaxAmount`);
  }
  if (perAdult !== undefined) offer.perAdultAmount = perAdult;
  if (prices.length > 0) offer.passengerPrices = prices;
  if (refundable !== undefined) offer.refundable = refundable;
  if (seats.length > 0) offer.seatsRemaining = Math.min(...seats);
  return offer;
}

/**
 * Base fare in the selling currency: `baseFareAmount` when it is in it (the base is
 * often in the fare's origin currency), else `equivalentAmount`.
 */
function baseIn(f: Json, currency: string, path: string, prefix = 'baseFare'): number | undefined {
  const amountKey = `${prefix}Amount`;
  const currencyKey = `${prefix}Currency`;
  if (f[amountKey] !== undefined && (f[currencyKey] ?? currency) === currency) {
    return parseAmount(f[amountKey], currency, `${path}.${amountKey}`);
  }
  if (f.equivalentAmount !== undefined && (f.equivalentCurrency ?? currency) === currency) {
    return parseAmount(f.equivalentAmount, currency, `${path}.equivalentAmount`);
  }
  return undefined;
}

/** Reads a `groupedItineraryResponse` object: one record per itinerary group. */
export function readGroupedItineraryResponse(
  rs: Json,
  body: string | Buffer,
  ctx: RequestContext,
): AdapterResult {
  const groups = list(rs.itineraryGroups);
  if (groups.length === 0) {
    throw new PayloadError(
      'groupedItineraryResponse.itineraryGroups',
      sabreError(list(rs.messages).filter((m) => isObject(m) && m.severity === 'Error')) ??
        'no itinerary groups',
    );
  }
  const descs: Descs = {
    schedules: byId(rs.scheduleDescs, 'scheduleDescs'),
    legs: byId(rs.legDescs, 'legDescs'),
    fareComponents: byId(rs.fareComponentDescs, 'fareComponentDescs'),
    validating: byId(rs.validatingCarrierDescs, 'validatingCarrierDescs'),
  };
  const id = sabreTransactionId(rs.messages);
  // Every group's offers go to one draft: the shared builder splits them by the dates
  // they fly on, so an alternate-dates (calendar) response gives one record per date pair.
  const offers: Offer[] = [];
  const routes: SliceEcho[][] = [];
  const rejected: Rejection[] = [];
  let offset = 0;
  groups.forEach((g, gi) => {
    const gp = `itineraryGroups[${gi}]`;
    const group = obj(g, gp);
    const gd = obj(group.groupDescription, `${gp}.groupDescription`);
    const slices: SliceEcho[] = arr(
      gd.legDescriptions,
      `${gp}.groupDescription.legDescriptions`,
    ).map((l, k) => {
      const lp = `${gp}.groupDescription.legDescriptions[${k}]`;
      const ld = obj(l, lp);
      return {
        origin: code(ld.departureLocation, `${lp}.departureLocation`),
        destination: code(ld.arrivalLocation, `${lp}.arrivalLocation`),
        // addDays(…, 0) checks it is a calendar date, naming the field.
        departureDate: addDays(
          str(ld.departureDate, `${lp}.departureDate`),
          0,
          `${lp}.departureDate`,
        ),
      };
    });
    const dates = slices.map((s) => s.departureDate!);
    const itins = list(group.itineraries);
    const local: Rejection[] = [];
    const built = collectOffers(
      itins,
      (it, i) => parseItinerary(descs, dates, it, `${gp}.itineraries[${i}]`),
      local,
      (i) => `${gp}.itineraries[${i}]`,
    );
    // Loops, not push(...xs): a huge response can have more items than call arguments.
    for (const r of local) rejected.push({ index: r.index + offset, reason: r.reason });
    for (const o of built) {
      offers.push(o);
      routes.push(slices);
    }
    offset += itins.length;
  });
  return finishRecord({ vendor: 'sabre', body, ctx, echo: { id }, offers, routes, rejected });
}
