/**
 * Amadeus Self-Service Flight Offers Search v2 (`GET|POST /v2/shopping/flight-offers`):
 * `data[]` of flight offers, each with itineraries of segments, `price` and
 * `travelerPricings`. The search itself is read back from `meta.links.self` when present.
 * Flight Offers Price (`POST /v1/shopping/flight-offers/pricing`) answers the same offers
 * under `data.flightOffers`. A search over a date window (`dateWindow`, the alternate
 * dates of the POST form) answers offers on several dates: they become one record per
 * date pair. Offers are rejected by their index in `data` (or `data.flightOffers`).
 */
import type { Offer, PassengerPrice, PassengerType, Segment } from '../../model/shopping-record.js';
import { AdapterBase } from '../adapter-base.js';
import { parseAmount, parseCurrency } from '../amount.js';
import { cabinFromName, offerCabin } from '../cabin.js';
import { isoDurationMinutes, localDateTime } from '../date-time.js';
import { PayloadError } from '../errors.js';
import {
  addPassengerPrice,
  carriersOf,
  legOf,
  optCarrier,
  taxOf,
  withOptionals,
} from '../offer-parts.js';
import {
  arr,
  code,
  flightNumber,
  isObject,
  type Json,
  list,
  obj,
  optInt,
  optStr,
  parseJson,
  str,
} from '../read.js';
import { collectOffers, finishRecord, type SearchEcho } from '../record-builder.js';
import type { AdapterResult, Rejection, RequestContext } from '../vendor-adapter.js';

/** Amadeus `travelerType`s and the record's passenger types. */
const TRAVELER_TYPES: Record<string, PassengerType> = {
  ADULT: 'adult',
  SENIOR: 'adult',
  YOUNG: 'adult',
  STUDENT: 'adult',
  CHILD: 'child',
  HELD_INFANT: 'infant',
  SEATED_INFANT: 'infant',
};

/** Reads the search from the `self` link's query (originLocationCode, adults, ...). */
function echoFromLink(root: Json): SearchEcho {
  const meta = isObject(root.meta) ? root.meta : undefined;
  const links = meta && isObject(meta.links) ? meta.links : undefined;
  if (typeof links?.self !== 'string') return {};
  let q: URLSearchParams;
  try {
    q = new URL(links.self).searchParams;
  } catch {
    return {};
  }
  const echo: SearchEcho = {};
  const o = q.get('originLocationCode')?.toUpperCase();
  const d = q.get('destinationLocationCode')?.toUpperCase();
  if (o && d) {
    echo.slices = [
      { origin: o, destination: d, departureDate: q.get('departureDate') ?? undefined },
    ];
    const ret = q.get('returnDate');
    if (ret) echo.slices.push({ origin: d, destination: o, departureDate: ret });
  }
  const adults = optInt(q.get('adults') ?? undefined);
  if (adults !== undefined) {
    echo.passengers = {
      adults,
      children: optInt(q.get('children') ?? undefined) ?? 0,
      infants: optInt(q.get('infants') ?? undefined) ?? 0,
    };
  }
  return echo;
}

interface FareDetail {
  cabin?: unknown;
  class?: unknown;
  fareBasis?: unknown;
}

function parseOffer(raw: unknown, p: string): Offer {
  const o = obj(raw, p);
  const price = obj(o.price, `${p}.price`);
  const currency = parseCurrency(price.currency, `${p}.price.currency`);
  // grandTotal is what the traveller pays (fees and chosen services included); total is
  // base plus taxes, so the tax is total - base.
  const totalKey = price.grandTotal !== undefined ? 'grandTotal' : 'total';
  const total = parseAmount(price[totalKey], currency, `${p}.price.${totalKey}`);
  const fareTotal =
    totalKey === 'grandTotal' && price.total !== undefined
      ? parseAmount(price.total, currency, `${p}.price.total`)
      : total;
  const base =
    price.base === undefined ? undefined : parseAmount(price.base, currency, `${p}.price.base`);

  const travelers = list(o.travelerPricings);
  const details = new Map<string, FareDetail>();
  const first = travelers[0];
  if (isObject(first)) {
    for (const fd of list(first.fareDetailsBySegment)) {
      if (isObject(fd) && fd.segmentId !== undefined) details.set(String(fd.segmentId), fd);
    }
  }
  const prices: PassengerPrice[] = [];
  // The price of one ADULT; a SENIOR, YOUNG or STUDENT fare only when there is none.
  let perAdult: number | undefined;
  let perOtherAdult: number | undefined;
  travelers.forEach((t, j) => {
    const tp = `${p}.travelerPricings[${j}]`;
    const tr = obj(t, tp);
    const type = TRAVELER_TYPES[String(tr.travelerType)];
    if (!type)
      throw new PayloadError(
        `${tp}.travelerType`,
        `unknown traveler type ${JSON.stringify(tr.travelerType)}`,
      );
    const tprice = obj(tr.price, `${tp}.price`);
    const cur =
      tprice.currency === undefined
        ? currency
        : parseCurrency(tprice.currency, `${tp}.price.currency`);
    if (cur !== currency)
      throw new PayloadError(`${tp}.price.currency`, `${cur} differs from the offer's ${currency}`);
    const ttotal = parseAmount(tprice.total, currency, `${tp}.price.total`);
    const tbase =
      tprice.base === undefined
        ? undefined
        : parseAmount(tprice.base, currency, `${tp}.price.base`);
    if (tr.travelerType === 'ADULT') perAdult ??= ttotal;
    else if (type === 'adult') perOtherAdult ??= ttotal;
    const pp: PassengerPrice = { type, count: 1, totalAmount: ttotal };
    if (tbase !== undefined) {
      pp.baseAmount = tbase;
      const tax = taxOf(ttotal, tbase, currency);
      if (tax !== undefined) pp.taxAmount = tax;
    }
    addPassengerPrice(prices, currency, pp);
  });

  const legs = arr(o.itineraries, `${p}.itineraries`).map((it, k) => {
    const ip = `${p}.itineraries[${k}]`;
    const itin = obj(it, ip);
    let technical = 0;
    const segments = arr(itin.segments, `${ip}.segments`).map((sr, n) => {
      const sp = `${ip}.segments[${n}]`;
      const s = obj(sr, sp);
      const dep = obj(s.departure, `${sp}.departure`);
      const arrv = obj(s.arrival, `${sp}.arrival`);
      technical += optInt(s.numberOfStops) ?? 0;
      const fd = details.get(String(s.id)) ?? {};
      const seg: Segment = {
        carrier: code(s.carrierCode, `${sp}.carrierCode`),
        flightNumber: flightNumber(s.number, `${sp}.number`),
        origin: code(dep.iataCode, `${sp}.departure.iataCode`),
        destination: code(arrv.iataCode, `${sp}.arrival.iataCode`),
        departAt: localDateTime(dep.at, `${sp}.departure.at`),
        arriveAt: localDateTime(arrv.at, `${sp}.arrival.at`),
      };
      return withOptionals(seg, {
        operatingCarrier: isObject(s.operating) ? s.operating.carrierCode : undefined,
        bookingClass: fd.class,
        fareBasis: fd.fareBasis,
        cabin: cabinFromName(fd.cabin),
      });
    });
    return legOf(segments, isoDurationMinutes(itin.duration), technical);
  });

  const offer: Offer = {
    totalAmount: total,
    currency,
    validatingCarrier:
      optCarrier(list(o.validatingAirlineCodes)[0]) ?? legs[0]?.segments[0]?.carrier ?? '',
    carriers: carriersOf(legs),
    cabin: offerCabin(
      legs.flatMap((l) => l.segments.map((s) => s.cabin)),
      'economy',
    ),
    legs,
  };
  if (base !== undefined) {
    offer.baseAmount = base;
    const tax = taxOf(fareTotal, base, currency);
    if (tax !== undefined) offer.taxAmount = tax;
  }
  const oneAdult = perAdult ?? perOtherAdult;
  if (oneAdult !== undefined) offer.perAdultAmount = oneAdult;
  if (prices.length > 0) offer.passengerPrices = prices;
  const seats = optInt(o.numberOfBookableSeats);
  if (seats !== undefined) offer.seatsRemaining = seats;
  return offer;
}

/** Adapter for Amadeus Flight Offers Search v2 and Flight Offers Price JSON responses. */
export class AmadeusAdapter extends AdapterBase {
  readonly name = 'amadeus' as const;
  readonly contentTypes = ['application/vnd.amadeus+json', 'application/json'];

  protected read(body: string | Buffer, ctx: RequestContext): AdapterResult {
    const root = obj(parseJson(body, ctx), 'payload');
    if (root.data === undefined && Array.isArray(root.errors)) {
      const e = isObject(root.errors[0]) ? root.errors[0] : {};
      throw new PayloadError(
        'errors',
        `Amadeus error response: ${str(e.title ?? e.detail ?? 'unknown', 'errors[0].title')}`,
      );
    }
    // Flight Offers Price answers `data.flightOffers`; Flight Offers Search `data`.
    const priced = isObject(root.data) && root.data.flightOffers !== undefined;
    const where = priced ? 'data.flightOffers' : 'data';
    const items = priced ? arr((root.data as Json).flightOffers, where) : arr(root.data, 'data');
    if (isObject(items[0]) && items[0].type === 'flight-date') {
      throw new PayloadError(
        'data[0].type',
        '"flight-date": a Flight Cheapest Date Search names no flights; post the Flight Offers Search response of the date instead',
      );
    }
    if (items.length === 0) {
      const warnings = list(root.warnings).flatMap((w) => {
        const text = isObject(w)
          ? (optStr(w.title) ?? optStr(w.detail) ?? optStr(w.code))
          : undefined;
        return text ? [text] : [];
      });
      throw new PayloadError(
        where,
        `no flight offers (the search found none)${
          warnings.length > 0 ? `; warnings: ${warnings.join('; ')}` : ''
        }`,
      );
    }
    const rejected: Rejection[] = [];
    const offers = collectOffers(
      items,
      (o, i) => parseOffer(o, `${where}[${i}]`),
      rejected,
      (i) => `${where}[${i}]`,
      // The tax is total - base and grandTotal adds fees: base + tax cannot disagree.
      false,
    );
    return finishRecord({
      vendor: this.name,
      body,
      ctx,
      echo: echoFromLink(root),
      offers,
      rejected,
    });
  }
}
