/**
 * Duffel Flights API responses: a list of offers (`GET /air/offers`, `data: [offer]`),
 * one offer (`GET /air/offers/:id`, `data: offer`) or an offer request
 * (`POST /air/offer_requests`, `data: { slices, passengers, offers }`), whose slices,
 * passengers, id and creation time describe the search. Passengers are counted by
 * `type`, else by `age` (under 2 infant, under 12 child). The shop time is the offer
 * request's `created_at`, else the earliest offer's.
 * One response gives one record; offers are rejected by their index in the offer list.
 */
import type { Offer, Passengers, Segment } from '../../model/shopping-record.js';
import { AdapterBase } from '../adapter-base.js';
import { parseAmount, parseCurrency } from '../amount.js';
import { cabinFromName, offerCabin } from '../cabin.js';
import { isoDurationMinutes, localDateTime } from '../date-time.js';
import { PayloadError } from '../errors.js';
import { carriersOf, legOf, optCarrier, withOptionals } from '../offer-parts.js';
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
} from '../read.js';
import { collectOffers, finishRecord, type SearchEcho, type SliceEcho } from '../record-builder.js';
import { toInstant } from '../search-context.js';
import type { AdapterResult, Rejection, RequestContext } from '../vendor-adapter.js';

/** Counts Duffel passengers by `type` (adult, child, infant_without_seat) or else `age`. */
function countPassengers(raw: unknown): Passengers | undefined {
  const all = list(raw).filter(isObject);
  if (all.length === 0) return undefined;
  const p: Passengers = { adults: 0, children: 0, infants: 0 };
  for (const x of all) {
    const type = typeof x.type === 'string' ? x.type : undefined;
    const age = optInt(x.age);
    if (type === 'adult') p.adults++;
    else if (type === 'child') p.children++;
    else if (type?.startsWith('infant')) p.infants++;
    else if (age !== undefined && age < 2) p.infants++;
    else if (age !== undefined && age < 12) p.children++;
    else p.adults++;
  }
  return p;
}

/** Amount of `field` when its `..._currency` matches, else undefined. */
function sameCurrencyAmount(
  o: Json,
  field: string,
  currency: string,
  p: string,
): number | undefined {
  if (o[`${field}_amount`] === undefined || o[`${field}_amount`] === null) return undefined;
  const cur = o[`${field}_currency`];
  if (cur !== undefined && cur !== null && cur !== currency) return undefined;
  return parseAmount(o[`${field}_amount`], currency, `${p}.${field}_amount`);
}

function parseOffer(raw: unknown, p: string, defaultCabin: unknown): Offer {
  const o = obj(raw, p);
  const currency = parseCurrency(o.total_currency, `${p}.total_currency`);
  const total = parseAmount(o.total_amount, currency, `${p}.total_amount`);
  const legs = arr(o.slices, `${p}.slices`).map((sr, k) => {
    const lp = `${p}.slices[${k}]`;
    const slice = obj(sr, lp);
    let technical = 0;
    const segments = arr(slice.segments, `${lp}.segments`).map((gr, n) => {
      const sp = `${lp}.segments[${n}]`;
      const s = obj(gr, sp);
      const mkt = obj(s.marketing_carrier, `${sp}.marketing_carrier`);
      const pax = isObject(list(s.passengers)[0]) ? (list(s.passengers)[0] as Json) : {};
      technical += list(s.stops).length;
      const seg: Segment = {
        carrier: code(mkt.iata_code, `${sp}.marketing_carrier.iata_code`),
        flightNumber: flightNumber(
          s.marketing_carrier_flight_number,
          `${sp}.marketing_carrier_flight_number`,
        ),
        origin: code(obj(s.origin, `${sp}.origin`).iata_code, `${sp}.origin.iata_code`),
        destination: code(
          obj(s.destination, `${sp}.destination`).iata_code,
          `${sp}.destination.iata_code`,
        ),
        departAt: localDateTime(s.departing_at, `${sp}.departing_at`),
        arriveAt: localDateTime(s.arriving_at, `${sp}.arriving_at`),
      };
      return withOptionals(seg, {
        operatingCarrier: isObject(s.operating_carrier) ? s.operating_carrier.iata_code : undefined,
        fareBasis: pax.fare_basis_code,
        cabin: cabinFromName(pax.cabin_class ?? defaultCabin),
      });
    });
    return legOf(segments, isoDurationMinutes(slice.duration), technical);
  });
  const owner = isObject(o.owner) ? o.owner.iata_code : undefined;
  const offer: Offer = {
    totalAmount: total,
    currency,
    validatingCarrier: optCarrier(owner) ?? legs[0]?.segments[0]?.carrier ?? '',
    carriers: carriersOf(legs),
    cabin: offerCabin(
      legs.flatMap((l) => l.segments.map((s) => s.cabin)),
      cabinFromName(defaultCabin) ?? 'economy',
    ),
    legs,
  };
  const base = sameCurrencyAmount(o, 'base', currency, p);
  if (base !== undefined) offer.baseAmount = base;
  const tax = sameCurrencyAmount(o, 'tax', currency, p);
  if (tax !== undefined) offer.taxAmount = tax;
  const pax = countPassengers(o.passengers);
  if (pax && pax.adults === 1 && pax.children === 0 && pax.infants === 0)
    offer.perAdultAmount = total;
  const refund = isObject(o.conditions) ? o.conditions.refund_before_departure : undefined;
  if (isObject(refund) && typeof refund.allowed === 'boolean') offer.refundable = refund.allowed;
  return offer;
}

/** The earliest `created_at` of the offers: when the search that made them ran. */
function earliestCreation(offers: readonly unknown[]): string | undefined {
  let first: string | undefined;
  for (const o of offers) {
    const at = isObject(o) ? toInstant(o.created_at) : undefined;
    if (at && (first === undefined || at < first)) first = at;
  }
  return first;
}

function echoOfRequest(req: Json): SearchEcho {
  const slices: SliceEcho[] = list(req.slices).map((s, k) => {
    const sp = `data.slices[${k}]`;
    const sl = obj(s, sp);
    const origin = isObject(sl.origin) ? sl.origin.iata_code : sl.origin;
    const destination = isObject(sl.destination) ? sl.destination.iata_code : sl.destination;
    return {
      origin: code(origin, `${sp}.origin.iata_code`),
      destination: code(destination, `${sp}.destination.iata_code`),
      departureDate: optStr(sl.departure_date),
    };
  });
  return {
    id: optStr(req.id),
    shoppedAt: optStr(req.created_at),
    slices,
    passengers: countPassengers(req.passengers),
  };
}

/** Adapter for Duffel offer lists and offer request responses (JSON). */
export class DuffelAdapter extends AdapterBase {
  readonly name = 'duffel' as const;
  readonly contentTypes = ['application/json'];

  protected read(body: string | Buffer, ctx: RequestContext): AdapterResult {
    const root = obj(parseJson(body, ctx), 'payload');
    if (root.data === undefined && Array.isArray(root.errors)) {
      const e = isObject(root.errors[0]) ? root.errors[0] : {};
      throw new PayloadError(
        'errors',
        `Duffel error response: ${optStr(e.message) ?? optStr(e.title) ?? 'unknown'}`,
      );
    }
    const rejected: Rejection[] = [];
    if (Array.isArray(root.data)) {
      if (root.data.length === 0) throw new PayloadError('data', 'no offers (the list is empty)');
      const offers = collectOffers(
        root.data,
        (o, i) => parseOffer(o, `data[${i}]`, undefined),
        rejected,
        (i) => `data[${i}]`,
      );
      const first = isObject(root.data[0]) ? root.data[0] : {};
      const echo: SearchEcho = {
        passengers: countPassengers(first.passengers),
        shoppedAt: earliestCreation(root.data),
      };
      return finishRecord({ vendor: this.name, body, ctx, echo, offers, rejected });
    }
    const data = obj(root.data, 'data');
    if (data.offers === undefined && data.total_amount !== undefined) {
      // One offer (`GET /air/offers/:id`): the offer is the search's only result.
      const offers = collectOffers(
        [data],
        (o) => parseOffer(o, 'data', undefined),
        rejected,
        () => 'data',
      );
      const echo: SearchEcho = {
        passengers: countPassengers(data.passengers),
        shoppedAt: earliestCreation([data]),
      };
      return finishRecord({ vendor: this.name, body, ctx, echo, offers, rejected });
    }
    if (data.offers === undefined || data.offers === null) {
      throw new PayloadError(
        'data.offers',
        'missing: an offer request created with return_offers=false carries no offers (post the GET /air/offers list instead)',
      );
    }
    const items = arr(data.offers, 'data.offers');
    if (items.length === 0) {
      throw new PayloadError('data.offers', 'no offers (the search found none)');
    }
    const offers = collectOffers(
      items,
      (o, i) => parseOffer(o, `data.offers[${i}]`, data.cabin_class),
      rejected,
      (i) => `data.offers[${i}]`,
    );
    return finishRecord({
      vendor: this.name,
      body,
      ctx,
      echo: echoOfRequest(data),
      offers,
      rejected,
    });
  }
}
