import type { ServingReads } from '../../serving/serving-reads.js';
import { NotFoundError } from '../errors.js';
import { DEFAULT_MARKETS_LIMIT, marketParamsSchema, marketsQuerySchema } from '../query-schemas.js';
import { ROUTE_EXAMPLES } from '../route-examples.js';
import type { RouteTable } from '../route-spec.js';

/** `GET /v1/markets?limit=` (busiest first) and `GET /v1/markets/{origin}-{destination}`. */
export function marketsRoutes(routes: RouteTable, reads: ServingReads, today: () => string): void {
  routes.get(
    {
      path: '/v1/markets',
      operationId: 'listMarkets',
      example: ROUTE_EXAMPLES.listMarkets,
      summary: 'Markets with data, busiest first',
      description: 'Search volume, kept fares and the cheapest fare per currency of each market.',
      tag: 'markets',
      query: marketsQuerySchema,
      secured: true,
      cacheable: true,
    },
    async ({ query }) => ({
      markets: await reads.markets({ limit: query.limit ?? DEFAULT_MARKETS_LIMIT }),
    }),
  );
  routes.get(
    {
      path: '/v1/markets/{origin}-{destination}',
      operationId: 'getMarket',
      example: ROUTE_EXAMPLES.getMarket,
      summary: 'One market: volume, cheapest fares and daily price summary',
      description:
        'Search volume, the cheapest fare per trip kind and currency from today, and per departure date the min, average and max of the kept fares by trip kind, cabin and currency. 404 when the market has no data.',
      tag: 'markets',
      params: marketParamsSchema,
      secured: true,
      cacheable: true,
    },
    async ({ params }) => {
      const m = await reads.market(params.origin, params.destination, { today: today() });
      if (!m) throw new NotFoundError(`no data for market ${params.origin}-${params.destination}`);
      return m;
    },
  );
}
