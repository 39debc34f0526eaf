/** Small pieces of an offer that every adapter derives the same way. */
import {
  CARRIER_CODE,
  type Leg,
  type PassengerPrice,
  type Segment,
} from '../model/shopping-record.js';
import { fromMinor, sumAmounts, toMinor } from './amount.js';

/** Marketing carriers of the legs, each once, in flight order. */
export function carriersOf(legs: readonly Leg[]): string[] {
  const seen = new Set<string>();
  for (const l of legs) for (const s of l.segments) seen.add(s.carrier);
  return [...seen];
}

/** The carrier code when it is a valid designator, else undefined (for optional fields). */
export function optCarrier(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const c = v.trim().toUpperCase();
  return CARRIER_CODE.test(c) ? c : undefined;
}

/** Copies the optional segment fields that are present and plausible. */
export function withOptionals(
  s: Segment,
  extra: {
    operatingCarrier?: unknown;
    bookingClass?: unknown;
    fareBasis?: unknown;
    cabin?: Segment['cabin'];
  },
): Segment {
  const op = optCarrier(extra.operatingCarrier);
  if (op) s.operatingCarrier = op;
  if (typeof extra.bookingClass === 'string' && /^[A-Z]{1,2}$/i.test(extra.bookingClass.trim())) {
    s.bookingClass = extra.bookingClass.trim().toUpperCase();
  }
  if (typeof extra.fareBasis === 'string' && /^[A-Z0-9/]{1,20}$/i.test(extra.fareBasis.trim())) {
    s.fareBasis = extra.fareBasis.trim().toUpperCase();
  }
  if (extra.cabin) s.cabin = extra.cabin;
  return s;
}

/** A leg from its segments: stops are connections plus technical stops. */
export function legOf(segments: Segment[], durationMinutes?: number, technicalStops = 0): Leg {
  const leg: Leg = { stops: Math.max(0, segments.length - 1) + technicalStops, segments };
  if (durationMinutes !== undefined) leg.durationMinutes = durationMinutes;
  return leg;
}

/**
 * Adds the price of `count` passengers of one type to `prices`, merging with an entry of
 * the same type by exact sums. Amounts are for all `count` passengers together.
 */
export function addPassengerPrice(
  prices: PassengerPrice[],
  currency: string,
  add: PassengerPrice,
): void {
  const same = prices.find((p) => p.type === add.type);
  if (!same) {
    prices.push({ ...add });
    return;
  }
  same.count += add.count;
  same.totalAmount = sumAmounts([same.totalAmount, add.totalAmount], currency);
  for (const k of ['baseAmount', 'taxAmount'] as const) {
    const a = same[k];
    const b = add[k];
    if (a === undefined || b === undefined) delete same[k];
    else same[k] = sumAmounts([a, b], currency);
  }
}

/** `total - base` when both are known and the difference is not negative. */
export function taxOf(
  total: number,
  base: number | undefined,
  currency: string,
): number | undefined {
  if (base === undefined) return undefined;
  const units = toMinor(total, currency) - toMinor(base, currency);
  return units >= 0 ? fromMinor(units, currency) : undefined;
}
