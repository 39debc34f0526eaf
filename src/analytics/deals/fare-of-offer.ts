import type { Offer, ShoppingRecord } from '../../model/shopping-record.js';
import type { FareFeatures } from './fare-segment.js';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (UTC) of an ISO instant or `YYYY-MM-DD` date. */
export function dayNumber(isoOrDate: string): number {
  return Math.floor(
    Date.parse(isoOrDate.length === 10 ? `${isoOrDate}T00:00:00Z` : isoOrDate) / DAY_MS,
  );
}

/** `YYYY-MM-DD` of a day number. */
export function dayDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Comparison features and per-adult price of one offer of a search: the price is
 * `perAdultAmount` when the vendor gave it, else the total over adults and children
 * (infants seldom pay a seat fare). Lead time counts from the search's UTC day.
 */
export function fareOfOffer(
  r: ShoppingRecord,
  o: Offer,
  shopDay = dayNumber(r.shoppedAt),
): { features: FareFeatures; price: number; day: number } {
  const dep = dayNumber(r.departureDate);
  const payers = Math.max(1, r.passengers.adults + r.passengers.children);
  return {
    features: {
      market: `${r.origin}-${r.destination}`,
      cabin: o.cabin,
      tripType: r.tripType,
      leadDays: Math.max(0, dep - shopDay),
      stayDays: r.returnDate ? dayNumber(r.returnDate) - dep : undefined,
      currency: o.currency,
    },
    price: o.perAdultAmount ?? o.totalAmount / payers,
    day: shopDay,
  };
}
