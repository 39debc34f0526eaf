/**
 * Travelport `AirPricingSolution` results (`SolutionResult="true"`): each solution is
 * one itinerary at one price. Its legs are `Journey` elements listing `AirSegmentRef`s
 * (air schema v29 and later); older responses list the `AirSegmentRef`s, or the
 * `AirSegment`s themselves, directly under the solution, and the legs follow the
 * segments' `Group`. Booking class, cabin, fare and seats come from the first
 * `AirPricingInfo`'s `BookingInfo` for each segment.
 */
import type { Leg, Offer } from '../../model/shopping-record.js';
import { isoDurationMinutes } from '../date-time.js';
import { PayloadError } from '../errors.js';
import { legOf } from '../offer-parts.js';
import { type Json, list, obj, optInt, optStr } from '../read.js';
import {
  BASE_KEYS,
  bookedSegment,
  firstIn,
  keyed,
  type Lists,
  passengerPricing,
  pricedOffer,
  refundableOf,
  segmentByRef,
  TAX_KEYS,
  totalOf,
} from './travelport-common.js';

interface LegRefs {
  keys: { ref: unknown; path: string }[];
  travelTime?: unknown;
}

/** The legs of a solution as segment references, by `Journey` or else by `Group`. */
function legRefs(sol: Json, segmentOf: (ref: unknown, path: string) => Json, p: string): LegRefs[] {
  const journeys = list(sol.Journey);
  if (journeys.length > 0) {
    return journeys.map((j, k) => {
      const jp = `${p}.Journey[${k}]`;
      const journey = obj(j, jp);
      const keys = list(journey.AirSegmentRef).map((r, n) => ({
        ref: obj(r, `${jp}.AirSegmentRef[${n}]`).Key,
        path: `${jp}.AirSegmentRef[${n}]@Key`,
      }));
      if (keys.length === 0) throw new PayloadError(`${jp}.AirSegmentRef`, 'no segments');
      return { keys, travelTime: journey.TravelTime };
    });
  }
  const refs = [
    ...list(sol.AirSegmentRef).map((r, n) => ({
      ref: obj(r, `${p}.AirSegmentRef[${n}]`).Key,
      path: `${p}.AirSegmentRef[${n}]@Key`,
    })),
    ...list(sol.AirSegment).map((s, n) => ({
      ref: obj(s, `${p}.AirSegment[${n}]`).Key,
      path: `${p}.AirSegment[${n}]@Key`,
    })),
  ];
  if (refs.length === 0) {
    throw new PayloadError(`${p}.Journey`, 'no Journey, AirSegmentRef or AirSegment');
  }
  const groups = new Map<number, LegRefs>();
  for (const r of refs) {
    const group = optInt(segmentOf(r.ref, r.path).Group) ?? 0;
    const leg = groups.get(group) ?? { keys: [] };
    groups.set(group, leg);
    leg.keys.push(r);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, leg]) => leg);
}

/** The offer of `AirPricingSolution` number `i`; throws PayloadError naming the field at fault. */
export function parsePricingSolution(lists: Lists, raw: unknown, i: number): Offer {
  const p = `AirPricingSolution[${i}]`;
  const sol = obj(raw, p);
  const { currency, amount: total } = totalOf(sol, p);
  const infos = list(sol.AirPricingInfo).map((x, j) => obj(x, `${p}.AirPricingInfo[${j}]`));
  const first = infos[0];
  const inline = keyed(sol.AirSegment, `${p}.AirSegment`);
  const segmentOf = (ref: unknown, path: string): Json =>
    inline.get(String(ref)) ?? segmentByRef(lists, ref, path);

  const bookings = new Map<string, Json>();
  list(first?.BookingInfo).forEach((b, n) => {
    const bi = obj(b, `${p}.AirPricingInfo[0].BookingInfo[${n}]`);
    const ref = optStr(bi.SegmentRef);
    if (ref && !bookings.has(ref)) bookings.set(ref, bi);
  });

  const seats: number[] = [];
  const legs: Leg[] = legRefs(sol, segmentOf, p).map(({ keys, travelTime }) => {
    let technical = 0;
    const segments = keys.map(({ ref, path }) => {
      const seg = segmentOf(ref, path);
      const booked = bookedSegment(
        lists,
        seg,
        bookings.get(String(ref)),
        `AirSegment[Key=${String(ref)}]`,
      );
      if (booked.seats !== undefined) seats.push(booked.seats);
      technical += booked.technicalStops;
      return booked.segment;
    });
    return legOf(segments, isoDurationMinutes(travelTime), technical);
  });

  const { prices, perAdult } = passengerPricing(infos, currency, total, p);
  const base = firstIn(sol, BASE_KEYS, currency, p);
  const tax = firstIn(sol, TAX_KEYS, currency, p);
  const price = { currency, total, base, tax, perAdult, prices, refundable: refundableOf(first) };
  return pricedOffer(legs, first?.PlatingCarrier, price, seats);
}
