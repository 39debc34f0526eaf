import { ROUTE_EXAMPLES } from '../route-examples.js';
import type { RouteTable } from '../route-spec.js';

/** An airport as `GET /v1/airports` lists it: code, place and WGS 84 coordinates. */
export interface AirportLocation {
  readonly code: string;
  readonly city: string;
  readonly country: string;
  readonly lat: number;
  readonly lon: number;
}

/**
 * `GET /v1/airports`: the airports the platform knows the position of (the reference
 * list given at start), sorted by code, for maps drawn offline by clients (the Console's
 * Explore page projects them itself; no map tiles are fetched).
 */
export function airportsRoutes(routes: RouteTable, airports: readonly AirportLocation[]): void {
  const sorted = [...airports]
    .map(({ code, city, country, lat, lon }) => ({ code, city, country, lat, lon }))
    .sort((a, b) => a.code.localeCompare(b.code));
  routes.get(
    {
      path: '/v1/airports',
      operationId: 'listAirports',
      summary: 'Airports with their coordinates',
      description:
        'Every airport of the reference list with its city, ISO country and latitude/longitude (WGS 84, degrees), sorted by code.',
      tag: 'markets',
      secured: true,
      cacheable: true,
      example: ROUTE_EXAMPLES.listAirports,
    },
    async () => ({ airports: sorted }),
  );
}
