import type { ServingReads } from '../../serving/serving-reads.js';
import { calendarQuerySchema, cheapestQuerySchema } from '../query-schemas.js';
import { ROUTE_EXAMPLES } from '../route-examples.js';
import type { RouteTable } from '../route-spec.js';

/**
 * `GET /v1/fares/cheapest`: the cheapest fare per validating carrier and stop count for
 * a trip (one-way when no returnDate), one entry per currency: prices in different
 * currencies are not compared. `GET /v1/fares/calendar`: the cheapest fare per departure
 * date of a market.
 */
export function faresRoutes(routes: RouteTable, reads: ServingReads): void {
  routes.get(
    {
      path: '/v1/fares/cheapest',
      operationId: 'cheapestFares',
      example: ROUTE_EXAMPLES.cheapestFares,
      summary: 'Cheapest fare per carrier and stop count for a trip',
      description:
        'One-way unless returnDate is given. One entry per validating carrier, stop count and currency (currencies are never compared), cheapest first within a currency.',
      tag: 'fares',
      query: cheapestQuerySchema,
      secured: true,
      cacheable: true,
    },
    async ({ query: q }) => {
      const fares = await reads.cheapest(q);
      return {
        origin: q.origin,
        destination: q.destination,
        departureDate: q.departureDate,
        returnDate: q.returnDate ?? null,
        pos: q.pos ?? null,
        cabin: q.cabin ?? null,
        fares: fares.map((f) => ({
          carrier: f.carrier,
          stops: f.stops,
          cabin: f.cabin,
          amount: f.amount,
          currency: f.currency,
          seenAt: f.seenAt,
          vendor: f.vendor,
          pos: f.pos,
        })),
      };
    },
  );
  routes.get(
    {
      path: '/v1/fares/calendar',
      operationId: 'fareCalendar',
      example: ROUTE_EXAMPLES.fareCalendar,
      summary: 'Cheapest fare per departure date of a market',
      description:
        'Departure dates from..to (inclusive, under 366 days). One-way by default; returnDate fixes the return date, stay returns that many days after each departure. One entry per date and currency.',
      tag: 'fares',
      query: calendarQuerySchema,
      secured: true,
      cacheable: true,
    },
    async ({ query: q }) => ({
      origin: q.origin,
      destination: q.destination,
      from: q.from,
      to: q.to,
      returnDate: q.returnDate ?? null,
      stay: q.stay ?? null,
      days: await reads.calendar(q),
    }),
  );
}
