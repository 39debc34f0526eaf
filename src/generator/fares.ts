/**
 * The synthetic fare model. A fare is the product of a distance curve that tapers with
 * length, the carrier's price level, cabin, fare brand, stops, a lead-time curve
 * (cheapest 45-90 days out, steep inside two weeks), the departure's weekday, month and
 * hour, a stable per-carrier-per-market level, and lognormal noise; a small share of
 * offers are sale or error fares 35-60% below. `referenceFareUsd` is the noise-free part,
 * exported so tests and analytics can place a generated fare against its model value.
 */
import type { Cabin } from '../model/shopping-record.js';
import { hashUnit } from './prng.js';

/** Fare brands sold in every cabin, cheapest first. */
export const BRANDS = ['saver', 'standard', 'flex'] as const;
export type Brand = (typeof BRANDS)[number];

/** Booking class letter per cabin and brand; distinct so a brand can be read back from a segment. */
export const BOOKING_CLASS: Record<Cabin, Record<Brand, string>> = {
  economy: { saver: 'L', standard: 'M', flex: 'Y' },
  premium: { saver: 'E', standard: 'W', flex: 'P' },
  business: { saver: 'I', standard: 'D', flex: 'J' },
  first: { saver: 'A', standard: 'R', flex: 'F' },
};

/** Share of offers priced as a sale or error fare. */
export const CHEAP_FARE_SHARE = 0.03;
/** Sale fares are this factor of the model fare (35-60% below). */
export const CHEAP_FARE_RANGE: readonly [number, number] = [0.4, 0.65];
/** Standard deviation of the lognormal noise on every fare. */
export const FARE_NOISE_SIGMA = 0.12;

/** Lead-time curve: [days before departure, price factor], linearly interpolated. */
const LEAD_CURVE: readonly (readonly [number, number])[] = [
  [0, 1.75],
  [3, 1.6],
  [7, 1.42],
  [14, 1.2],
  [21, 1.08],
  [30, 1.0],
  [45, 0.93],
  [60, 0.9],
  [90, 0.93],
  [120, 0.98],
  [180, 1.02],
  [270, 1.05],
  [330, 1.07],
];

/** Price factor for booking `days` before departure (1 = 30 days out). */
export function leadTimeFactor(days: number): number {
  if (days <= 0) return LEAD_CURVE[0]![1];
  for (let i = 1; i < LEAD_CURVE.length; i++) {
    const [d1, f1] = LEAD_CURVE[i]!;
    if (days <= d1) {
      const [d0, f0] = LEAD_CURVE[i - 1]!;
      return f0 + ((f1 - f0) * (days - d0)) / (d1 - d0);
    }
  }
  return LEAD_CURVE[LEAD_CURVE.length - 1]![1];
}

/** Departure weekday factor, 0 = Sunday: Fridays and Sundays dear, Tuesdays and Wednesdays cheap. */
export const DEPARTURE_WEEKDAY = [1.08, 1.02, 0.94, 0.94, 1.02, 1.1, 0.96] as const;
/** Departure month factor, 0 = January: summer and Christmas peaks. */
export const DEPARTURE_MONTH = [
  0.92, 0.9, 0.97, 1.0, 1.0, 1.1, 1.16, 1.12, 0.95, 0.97, 0.95, 1.12,
] as const;

/** Factor for the local departure time of the first flight (minutes after midnight). */
export function departureTimeFactor(minute: number): number {
  if (minute < 7 * 60) return 0.92;
  if (minute < 10 * 60) return 1.05;
  if (minute >= 21 * 60) return 0.93;
  if (minute >= 17 * 60 && minute < 20 * 60) return 1.05;
  return 1;
}

/** One-way economy market fare in USD before any other factor: tapers per km. */
export function distanceFareUsd(km: number): number {
  return 40 + km ** 0.7;
}

/** Cabin multiplier; business is dearer against economy on long haul. */
export function cabinFactor(cabin: Cabin, km: number): number {
  switch (cabin) {
    case 'economy':
      return 1;
    case 'premium':
      return 1.7;
    case 'business':
      return km < 3000 ? 2.8 : 4.5;
    case 'first':
      return 7.5;
  }
}

/** Brand multiplier: saver below standard, flexible (refundable) above. */
export function brandFactor(brand: Brand, cabin: Cabin): number {
  if (brand === 'saver') return 0.88;
  if (brand === 'standard') return 1;
  return cabin === 'economy' ? 1.45 : 1.2;
}

/** Everything the noise-free fare depends on. */
export interface FareContext {
  /** Great-circle km between the searched origin and destination. */
  distanceKm: number;
  /** Validating carrier designator and its price level. */
  carrier: string;
  priceLevel: number;
  lowCost: boolean;
  origin: string;
  destination: string;
  cabin: Cabin;
  brand: Brand;
  /** Stops of the outbound leg. */
  stops: number;
  leadDays: number;
  /** Weekday (0 = Sunday) and month (0 = January) of the departure date. */
  departureWeekday: number;
  departureMonth: number;
  /** Local departure time of the first flight, minutes after midnight. */
  departureMinute: number;
  roundTrip: boolean;
}

/** A stable level in [0.89, 1.12] for one carrier on one market, so carriers differ consistently. */
export function carrierMarketFactor(carrier: string, origin: string, destination: string): number {
  const u = hashUnit(`${carrier}:${origin}-${destination}`);
  return Math.exp(0.12 * (2 * u - 1));
}

/** Model fare of one adult, base amount without taxes, in USD, before noise and sales. */
export function referenceFareUsd(c: FareContext): number {
  const trip = c.roundTrip ? (c.lowCost ? 2 : 1.85) : 1;
  return (
    distanceFareUsd(c.distanceKm) *
    trip *
    c.priceLevel *
    carrierMarketFactor(c.carrier, c.origin, c.destination) *
    cabinFactor(c.cabin, c.distanceKm) *
    brandFactor(c.brand, c.cabin) *
    (c.stops === 0 ? 1 : 0.85) *
    leadTimeFactor(c.leadDays) *
    DEPARTURE_WEEKDAY[c.departureWeekday]! *
    DEPARTURE_MONTH[c.departureMonth]! *
    departureTimeFactor(c.departureMinute)
  );
}

/** Taxes and fees of one adult for one flight, in USD. */
export function segmentTaxUsd(km: number, international: boolean): number {
  return (international ? 28 : 7) + Math.min(0.012 * km, 60);
}

/** Child base fare as a share of the adult one (low-cost carriers charge children in full). */
export function childShare(lowCost: boolean): number {
  return lowCost ? 1 : 0.75;
}
/** Infant (on lap) base fare and taxes as a share of the adult ones. */
export const INFANT_SHARE = 0.1;

/**
 * Fixed illustrative exchange rates (units per USD) for pricing in the point of sale's
 * currency; the generator only uses currencies listed here.
 */
export const UNITS_PER_USD: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 0.92,
  GBP: 0.79,
  JPY: 150,
};

const EURO_AREA = new Set(['AT', 'BE', 'DE', 'ES', 'FI', 'FR', 'GR', 'IE', 'IT', 'NL', 'PT']);

/** Currency a point of sale prices in when local currencies are enabled; USD otherwise. */
export function localCurrency(pos: string): string {
  if (EURO_AREA.has(pos)) return 'EUR';
  if (pos === 'GB') return 'GBP';
  if (pos === 'JP') return 'JPY';
  return 'USD';
}
