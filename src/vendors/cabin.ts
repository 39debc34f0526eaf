/** Vendor cabin vocabularies mapped to the record's four cabins. */
import { CABINS, type Cabin } from '../model/shopping-record.js';

const NAMES: Record<string, Cabin> = {
  economy: 'economy',
  coach: 'economy',
  premiumeconomy: 'premium',
  premium: 'premium',
  business: 'business',
  premiumbusiness: 'business',
  first: 'first',
  premiumfirst: 'first',
};

/**
 * Cabin from its name in any vendor's spelling: `PREMIUM_ECONOMY` (Amadeus),
 * `premium_economy` (Duffel), `PremiumEconomy` (Travelport). Undefined when unknown.
 */
export function cabinFromName(raw: unknown): Cabin | undefined {
  if (typeof raw !== 'string') return undefined;
  return NAMES[raw.toLowerCase().replace(/[^a-z]/g, '')];
}

/** Sabre cabin codes: Y economy, S premium economy, C business, J premium business, F first, P premium first. */
export const SABRE_CABIN_CODES: Readonly<Record<string, Cabin>> = {
  Y: 'economy',
  S: 'premium',
  C: 'business',
  J: 'business',
  F: 'first',
  P: 'first',
};

/** Kiwi (Tequila) `fare_category`: M economy, W premium economy, C business, F first. */
export const KIWI_CABIN_CODES: Readonly<Record<string, Cabin>> = {
  M: 'economy',
  W: 'premium',
  C: 'business',
  F: 'first',
};

/**
 * The cabin an offer is sold in: the highest cabin among its segments (a business
 * itinerary with an economy feeder flight is a business offer), or `fallback`.
 */
export function offerCabin(segmentCabins: readonly (Cabin | undefined)[], fallback: Cabin): Cabin {
  let best = -1;
  for (const c of segmentCabins) if (c) best = Math.max(best, CABINS.indexOf(c));
  return best >= 0 ? CABINS[best]! : fallback;
}
