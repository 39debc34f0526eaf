/**
 * Kiwi.com Tequila search responses (`GET /v2/search`): `data[]` of itineraries, each a
 * flat `route[]` of flights split into outbound and inbound by `return` (0/1), priced in
 * the top-level `currency` (`price`, else `conversion[currency]`); `fare`, when given,
 * prices one passenger of each type. Passengers come from `search_params.seats`. Local
 * times are marked `Z` although they are local wall times; the marker is dropped.
 * Multi-city responses (`/v2/flights_multi`) are a top-level array of itineraries whose
 * `route[]` holds one leg each. Offers become one record per date pair they fly on, and
 * are rejected by their index in `data` (or in the array).
 */
import type {
  Leg,
  Offer,
  PassengerPrice,
  Passengers,
  Segment,
} from '../../model/shopping-record.js';
import { AdapterBase } from '../adapter-base.js';
import { multiplyAmount, parseAmount, parseAmountIfExact, parseCurrency } from '../amount.js';
import { KIWI_CABIN_CODES, offerCabin } from '../cabin.js';
import { localDateTime } from '../date-time.js';
import { PayloadError } from '../errors.js';
import { carriersOf, legOf, withOptionals } from '../offer-parts.js';
import {
  arr,
  code,
  flightNumber,
  isObject,
  type Json,
  obj,
  optInt,
  optStr,
  parseJson,
} from '../read.js';
import { collectOffers, finishRecord } from '../record-builder.js';
import type { AdapterResult, Rejection, RequestContext } from '../vendor-adapter.js';

/** Local departure/arrival: `local_*` text, else the older `dTime`/`aTime` local epoch seconds. */
function localTimeOf(s: Json, text: string, epoch: string, path: string): string {
  const seconds = optInt(s[epoch]);
  if (s[text] === undefined && seconds !== undefined) {
    return new Date(seconds * 1000).toISOString().slice(0, 19);
  }
  return localDateTime(s[text], `${path}.${text}`);
}

/** One flight of a `route[]`; `sp` names it in errors. */
function segmentOf(r: unknown, sp: string): Segment {
  const s = obj(r, sp);
  const seg: Segment = {
    carrier: code(s.airline, `${sp}.airline`),
    flightNumber: flightNumber(s.flight_no, `${sp}.flight_no`),
    origin: code(s.flyFrom, `${sp}.flyFrom`),
    destination: code(s.flyTo, `${sp}.flyTo`),
    departAt: localTimeOf(s, 'local_departure', 'dTime', sp),
    arriveAt: localTimeOf(s, 'local_arrival', 'aTime', sp),
  };
  return withOptionals(seg, {
    operatingCarrier: s.operating_carrier,
    bookingClass: s.fare_classes,
    fareBasis: s.fare_basis,
    cabin: typeof s.fare_category === 'string' ? KIWI_CABIN_CODES[s.fare_category] : undefined,
  });
}

/** The total in `currency`: `price`, else `conversion[currency]`. */
function totalOf(o: Json, currency: string, p: string): number {
  // `price` is in the response currency; `conversion` repeats it keyed by currency.
  const conversion = isObject(o.conversion) ? o.conversion : {};
  return o.price === undefined && conversion[currency] !== undefined
    ? parseAmount(conversion[currency], currency, `${p}.conversion.${currency}`)
    : parseAmount(o.price, currency, `${p}.price`);
}

function parseOffer(raw: unknown, i: number, currency: string, pax: Passengers | undefined): Offer {
  const p = `data[${i}]`;
  const o = obj(raw, p);
  const total = totalOf(o, currency, p);
  const byLeg: Segment[][] = [[], []];
  arr(o.route, `${p}.route`).forEach((r, n) => {
    const leg = isObject(r) && (r.return === 1 || r.return === '1') ? 1 : 0;
    byLeg[leg]!.push(segmentOf(r, `${p}.route[${n}]`));
  });
  if (byLeg[0]!.length === 0)
    throw new PayloadError(`${p}.route`, 'no outbound flights (return: 0)');
  const dur = isObject(o.duration) ? o.duration : {};
  const minutes = (v: unknown) => {
    const s = optInt(v);
    return s ? Math.round(s / 60) : undefined;
  };
  const legs = [legOf(byLeg[0]!, minutes(dur.departure))];
  if (byLeg[1]!.length > 0) legs.push(legOf(byLeg[1]!, minutes(dur.return)));
  return pricedOffer(o, legs, total, currency, pax, p);
}

/**
 * The offer of `legs` at `total`, with what the itinerary `o` adds: one passenger's
 * fare per type (`fare`), and seats left.
 */
function pricedOffer(
  o: Json,
  legs: Leg[],
  total: number,
  currency: string,
  pax: Passengers | undefined,
  p: string,
): Offer {
  const offer: Offer = {
    totalAmount: total,
    currency,
    validatingCarrier: legs[0]!.segments[0]!.carrier,
    carriers: carriersOf(legs),
    cabin: offerCabin(
      legs.flatMap((l) => l.segments.map((s) => s.cabin)),
      'economy',
    ),
    legs,
  };
  // `fare` is the price of one passenger of each type (present even for types not
  // searched); divided prices finer than the minor unit are left out, not rejected.
  const fare = isObject(o.fare) ? o.fare : undefined;
  const perAdult =
    fare?.adults === undefined
      ? undefined
      : parseAmountIfExact(fare.adults, currency, `${p}.fare.adults`);
  const onlyOneAdult = pax?.adults === 1 && pax.children + pax.infants === 0;
  if (perAdult !== undefined) offer.perAdultAmount = perAdult;
  else if (fare?.adults === undefined && onlyOneAdult) offer.perAdultAmount = total;
  if (fare && pax) {
    const prices: PassengerPrice[] = [];
    const kinds = [
      ['adult', pax.adults, 'adults'],
      ['child', pax.children, 'children'],
      ['infant', pax.infants, 'infants'],
    ] as const;
    let complete = true;
    for (const [type, count, key] of kinds) {
      if (count === 0) continue;
      const one =
        fare[key] === undefined
          ? undefined
          : parseAmountIfExact(fare[key], currency, `${p}.fare.${key}`);
      if (one === undefined) complete = false;
      else prices.push({ type, count, totalAmount: multiplyAmount(one, count, currency) });
    }
    if (complete && prices.length > 0) offer.passengerPrices = prices;
  }
  const avail = isObject(o.availability) ? optInt(o.availability.seats) : undefined;
  if (avail !== undefined) offer.seatsRemaining = avail;
  return offer;
}

/**
 * Currency of a multi-city itinerary, which names none at the top: its `currency`, else
 * the key of `conversion` whose amount is `price` (the requested currency; EUR when that
 * is the only one). Throws PayloadError when neither tells.
 */
function multiCurrency(o: Json, p: string): string {
  if (o.currency !== undefined) return parseCurrency(o.currency, `${p}.currency`);
  const conversion = isObject(o.conversion) ? o.conversion : {};
  const keys = Object.keys(conversion);
  const matching = keys.filter((k) => String(conversion[k]) === String(o.price));
  const pick =
    keys.length === 1
      ? keys
      : matching.length === 1
        ? matching
        : matching.filter((k) => k !== 'EUR');
  if (pick.length !== 1) {
    throw new PayloadError(
      `${p}.currency`,
      'missing, and conversion does not tell the currency of price',
    );
  }
  return parseCurrency(pick[0], `${p}.conversion`);
}

/** An itinerary of a multi-city response: `route[]` of legs, each with its `route[]` of flights. */
function parseMultiOffer(raw: unknown, i: number, pax: Passengers | undefined): Offer {
  const p = `[${i}]`;
  const o = obj(raw, p);
  const currency = multiCurrency(o, p);
  const total = totalOf(o, currency, p);
  const legs = arr(o.route, `${p}.route`).map((l, k) => {
    const lp = `${p}.route[${k}]`;
    const leg = obj(l, lp);
    const flights = arr(leg.route, `${lp}.route`);
    if (flights.length === 0) throw new PayloadError(`${lp}.route`, 'no flights');
    const seconds = isObject(leg.duration) ? optInt(leg.duration.total) : undefined;
    return legOf(
      flights.map((f, n) => segmentOf(f, `${lp}.route[${n}]`)),
      seconds ? Math.round(seconds / 60) : undefined,
    );
  });
  if (legs.length === 0) throw new PayloadError(`${p}.route`, 'no legs');
  return pricedOffer(o, legs, total, currency, pax, p);
}

function seatsOf(root: Json): Passengers | undefined {
  const sp = isObject(root.search_params) ? root.search_params : undefined;
  const seats = sp && isObject(sp.seats) ? sp.seats : undefined;
  if (!seats) return undefined;
  const adults = optInt(seats.adults);
  if (adults === undefined) return undefined;
  return { adults, children: optInt(seats.children) ?? 0, infants: optInt(seats.infants) ?? 0 };
}

/** Adapter for Kiwi.com Tequila search responses (JSON). */
export class KiwiAdapter extends AdapterBase {
  readonly name = 'kiwi' as const;
  readonly contentTypes = ['application/json'];

  protected read(body: string | Buffer, ctx: RequestContext): AdapterResult {
    const parsed = parseJson(body, ctx);
    if (Array.isArray(parsed)) return this.readMultiCity(parsed, body, ctx);
    const root = obj(parsed, 'payload');
    const currency = parseCurrency(root.currency, 'currency');
    const passengers = seatsOf(root);
    const rejected: Rejection[] = [];
    const items = arr(root.data, 'data');
    if (items.length === 0)
      throw new PayloadError('data', 'no itineraries (the search found none)');
    const offers = collectOffers(
      items,
      (o, i) => parseOffer(o, i, currency, passengers),
      rejected,
      (i) => `data[${i}]`,
    );
    // An itinerary with inbound flights (`return: 1`) answers a round-trip search, even
    // when it comes back to another airport of the city; the dates are each offer's own.
    const echo = { id: optStr(root.search_id), passengers, tripType: 'roundtrip' as const };
    return finishRecord({ vendor: this.name, body, ctx, echo, offers, rejected });
  }

  /**
   * A multi-city response (`GET /v2/flights_multi`): a top-level array of itineraries,
   * each with one `route[]` entry per requested leg. It echoes no search id or
   * passengers; each itinerary's legs decide its trip type.
   */
  private readMultiCity(
    items: unknown[],
    body: string | Buffer,
    ctx: RequestContext,
  ): AdapterResult {
    if (items.length === 0)
      throw new PayloadError('payload', 'no itineraries (the search found none)');
    const rejected: Rejection[] = [];
    const offers = collectOffers(
      items,
      (o, i) => parseMultiOffer(o, i, undefined),
      rejected,
      (i) => `[${i}]`,
    );
    return finishRecord({ vendor: this.name, body, ctx, echo: {}, offers, rejected });
  }
}
