/**
 * Reference lists validation checks codes against, built from public data by
 * scripts/build-reference-data.mjs (see there for the sources). Lookups are Set hits.
 */
import { IATA_LOCATIONS_PACKED } from './iata-locations-data.js';
import { ISO_COUNTRIES_PACKED } from './iso-countries-data.js';

function unpack(packed: string, width: number): ReadonlySet<string> {
  const out = new Set<string>();
  for (let i = 0; i < packed.length; i += width) out.add(packed.slice(i, i + width));
  return out;
}

const IATA_LOCATIONS = unpack(IATA_LOCATIONS_PACKED, 3);
const ISO_COUNTRIES = unpack(ISO_COUNTRIES_PACKED, 2);

/** True for an IATA airport or city (metropolitan area) code such as `JFK` or `NYC`. */
export function isIataLocation(code: string): boolean {
  return IATA_LOCATIONS.has(code);
}

/** True for an ISO 3166-1 alpha-2 country code such as `US` (`XK`, Kosovo, included). */
export function isCountryCode(code: string): boolean {
  return ISO_COUNTRIES.has(code);
}

/** Number of codes in each list, for reports and tests. */
export const REFERENCE_SIZES = {
  iataLocations: IATA_LOCATIONS.size,
  countries: ISO_COUNTRIES.size,
} as const;
