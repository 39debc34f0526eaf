import type { FastifyInstance } from 'fastify';
import type { ApiRowStore } from '../api-row-store.js';
import { parseQuery } from '../parse-query.js';
import { cheapestQuerySchema } from '../query-schemas.js';

/**
 * `GET /v1/fares/cheapest?origin&destination&departureDate[&returnDate][&cabin][&pos]`:
 * the cheapest fare per validating carrier and stop count for the trip (one-way when no
 * returnDate), one entry per currency: prices in different currencies are not compared.
 */
export function faresRoutes(app: FastifyInstance, rowStore: ApiRowStore): void {
  app.get('/v1/fares/cheapest', async (req) => {
    const q = parseQuery(cheapestQuerySchema, req.query);
    const fares = await rowStore.cheapest(q);
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
  });
}
