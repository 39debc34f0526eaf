/**
 * Who searches and for what: trip purpose, how far ahead, how long a stay, how many
 * passengers and which cabin. The mixtures follow the shapes airline revenue management
 * literature describes: business trips booked late for short midweek stays, weekend
 * breaks, and holidays booked weeks to months ahead.
 */
import type { Cabin, Passengers } from '../model/shopping-record.js';
import { dayOfWeek } from './local-time.js';
import type { Rng } from './prng.js';

export type TripPurpose = 'business' | 'weekend' | 'holiday';

/** Furthest ahead a departure can be searched (airline schedules open about 330 days out). */
export const MAX_LEAD_DAYS = 330;
/** Markets at least this long count as long haul for stays and cabins. */
export const LONG_HAUL_KM = 4000;

/** A planned search, in day numbers (days since 1970-01-01) local to the origin. */
export interface TripPlan {
  purpose: TripPurpose;
  departureDay: number;
  /** Undefined for a one-way search. */
  returnDay: number | undefined;
  passengers: Passengers;
  cabin: Cabin;
}

function pickPurpose(rng: Rng, km: number): TripPurpose {
  const x = rng.next();
  if (x < 0.22) return 'business';
  if (x < 0.45 && km < 3000) return 'weekend';
  return 'holiday';
}

function leadDays(rng: Rng, purpose: TripPurpose): number {
  const x = rng.next();
  switch (purpose) {
    case 'business':
      if (x < 0.12) return rng.int(0, 2);
      if (x < 0.62) return rng.int(3, 14);
      return rng.int(15, 45);
    case 'weekend':
      if (x < 0.15) return rng.int(1, 6);
      if (x < 0.85) return rng.int(7, 45);
      return rng.int(46, 90);
    case 'holiday':
      if (x < 0.1) return rng.int(1, 14);
      if (x < 0.55) return rng.int(15, 60);
      if (x < 0.85) return rng.int(61, 180);
      return rng.int(181, MAX_LEAD_DAYS);
  }
}

/** Days to add to reach the next day whose weekday is in `allowed` (0 when already there). */
function shiftTo(day: number, allowed: readonly number[]): number {
  for (let k = 0; k < 7; k++) if (allowed.includes(dayOfWeek(day + k))) return k;
  return 0;
}

function stayDays(rng: Rng, purpose: TripPurpose, km: number, departureDay: number): number {
  if (purpose === 'business') return km >= LONG_HAUL_KM ? rng.int(3, 7) : rng.int(1, 4);
  if (purpose === 'weekend') {
    const dow = dayOfWeek(departureDay);
    if (dow === 4) return 3;
    if (dow === 5) return rng.int(2, 3);
    return 2;
  }
  const x = rng.next();
  if (km < LONG_HAUL_KM) {
    if (x < 0.5) return 7;
    if (x < 0.75) return rng.int(3, 6);
    return rng.int(8, 14);
  }
  if (x < 0.25) return 7;
  if (x < 0.65) return rng.int(10, 14);
  return rng.int(15, 28);
}

function passengers(rng: Rng, purpose: TripPurpose): Passengers {
  const x = rng.next();
  if (purpose === 'business') {
    return { adults: x < 0.92 ? 1 : 2, children: 0, infants: 0 };
  }
  if (x < 0.48) return { adults: 1, children: 0, infants: 0 };
  if (x < 0.8) return { adults: 2, children: 0, infants: 0 };
  if (x < 0.95 && purpose === 'holiday') {
    return { adults: 2, children: rng.int(1, 3), infants: rng.chance(0.2) ? 1 : 0 };
  }
  if (x < 0.95) return { adults: 2, children: 0, infants: 0 };
  return { adults: rng.int(3, 4), children: 0, infants: 0 };
}

function cabin(rng: Rng, purpose: TripPurpose, km: number): Cabin {
  const x = rng.next();
  const long = km >= LONG_HAUL_KM;
  if (purpose === 'business') {
    if (x < (long ? 0.62 : 0.86)) return 'economy';
    if (x < (long ? 0.72 : 0.88)) return 'premium';
    if (x < (long ? 0.97 : 1)) return 'business';
    return 'first';
  }
  if (x < 0.93) return 'economy';
  if (x < 0.965) return 'premium';
  if (x < 0.995) return 'business';
  return long ? 'first' : 'business';
}

/** One-way share by purpose; about 35% over the whole mix. */
const ONE_WAY: Record<TripPurpose, number> = { business: 0.45, weekend: 0.25, holiday: 0.34 };

/** Plans one search leaving on or after `searchDay` (the origin's local date of the search). */
export function planTrip(rng: Rng, km: number, searchDay: number): TripPlan {
  const purpose = pickPurpose(rng, km);
  let departureDay = searchDay + leadDays(rng, purpose);
  if (purpose === 'business') departureDay += shiftTo(departureDay, [1, 2, 3, 4]);
  else if (purpose === 'weekend')
    departureDay += shiftTo(departureDay, rng.chance(0.25) ? [4] : rng.chance(0.75) ? [5] : [6]);
  while (departureDay - searchDay > MAX_LEAD_DAYS) departureDay -= 7;
  const oneWay = rng.chance(ONE_WAY[purpose]);
  const stay = stayDays(rng, purpose, km, departureDay);
  return {
    purpose,
    departureDay,
    returnDay: oneWay ? undefined : departureDay + stay,
    passengers: passengers(rng, purpose),
    cabin: cabin(rng, purpose, km),
  };
}
