import type { FastifyInstance } from 'fastify';
import type { ApiRowStore } from '../api-row-store.js';
import { parseQuery } from '../parse-query.js';
import { DEFAULT_MARKETS_LIMIT, marketsQuerySchema } from '../query-schemas.js';

/** `GET /v1/markets?limit=`: markets with data, busiest first. */
export function marketsRoutes(app: FastifyInstance, rowStore: ApiRowStore): void {
  app.get('/v1/markets', async (req) => {
    const q = parseQuery(marketsQuerySchema, req.query);
    const markets = await rowStore.markets({ limit: q.limit ?? DEFAULT_MARKETS_LIMIT });
    return { markets };
  });
}
