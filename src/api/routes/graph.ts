import type { ServingReads } from '../../serving/serving-reads.js';
import { exploreQuerySchema, routesQuerySchema } from '../query-schemas.js';
import { ROUTE_EXAMPLES } from '../route-examples.js';
import type { RouteTable } from '../route-spec.js';

/** Default self-transfer points of `/v1/graph/routes` and of `/v1/graph/explore`. */
export const DEFAULT_ROUTE_STOPS = 2;
export const DEFAULT_EXPLORE_STOPS = 1;

/** The optional filters both graph routes pass on to the search, those the query gives. */
function searchFilters(q: {
  date?: string | undefined;
  currency?: string | undefined;
  cabin?: string | undefined;
  minConnectionMinutes?: number | undefined;
}) {
  return {
    ...(q.date ? { date: q.date } : {}),
    ...(q.currency ? { currency: q.currency } : {}),
    ...(q.cabin ? { cabin: q.cabin } : {}),
    ...(q.minConnectionMinutes !== undefined
      ? { minConnectionMinutes: q.minConnectionMinutes }
      : {}),
  };
}

/** `GET /v1/graph/routes` and `GET /v1/graph/explore` over the route graph. */
export function graphRoutes(routes: RouteTable, reads: ServingReads, today: () => string): void {
  routes.get(
    {
      path: '/v1/graph/routes',
      operationId: 'graphRoutes',
      example: ROUTE_EXAMPLES.graphRoutes,
      summary: 'Cheapest ways from A to B, combining separately ticketed one-way fares',
      description:
        'Self-transfer itineraries with at most maxStops transfer points (default 2, at most 3), each connection at least minConnectionMinutes (default 180) and at most 24 h after the arrival, on consistent dates, in one currency (default USD). Each itinerary says whether it beats the cheapest through fare of its date.',
      tag: 'graph',
      query: routesQuerySchema,
      secured: true,
      cacheable: true,
    },
    async ({ query: q }) => ({
      origin: q.origin,
      destination: q.destination,
      date: q.date ?? null,
      maxStops: q.maxStops ?? DEFAULT_ROUTE_STOPS,
      itineraries: await reads.itineraries({
        origin: q.origin,
        destination: q.destination,
        maxStops: q.maxStops ?? DEFAULT_ROUTE_STOPS,
        today: today(),
        ...searchFilters(q),
      }),
    }),
  );
  routes.get(
    {
      path: '/v1/graph/explore',
      operationId: 'graphExplore',
      example: ROUTE_EXAMPLES.graphExplore,
      summary: 'Every destination reachable from an airport within a budget',
      description:
        'The cheapest itinerary to each destination whose total is at most budget, with at most maxStops self-transfers (default 1), in one currency (default USD), cheapest first.',
      tag: 'graph',
      query: exploreQuerySchema,
      secured: true,
      cacheable: true,
    },
    async ({ query: q }) => ({
      origin: q.origin,
      budget: q.budget,
      currency: q.currency ?? 'USD',
      date: q.date ?? null,
      destinations: await reads.itineraries({
        origin: q.origin,
        budget: q.budget,
        maxStops: q.maxStops ?? DEFAULT_EXPLORE_STOPS,
        today: today(),
        ...searchFilters(q),
      }),
    }),
  );
}
