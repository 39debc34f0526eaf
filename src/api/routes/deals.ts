import { z } from 'zod';
import { DEAL_LABELS } from '../../analytics/deals/deal-label.js';
import { DEFAULT_DEALS_LIMIT, type DealsStore } from '../../analytics/deals/deals-store.js';
import { ROUTE_EXAMPLES } from '../route-examples.js';
import type { RouteTable } from '../route-spec.js';

/** Most deals one `GET /v1/deals` returns. */
export const MAX_DEALS_LIMIT = 500;

const airport = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter IATA airport code'));

/** Query of `GET /v1/deals`. */
export const dealsQuerySchema = z.strictObject({
  origin: airport.optional().meta({ examples: ['JFK'] }),
  destination: airport.optional().meta({ examples: ['LAX'] }),
  label: z.enum(DEAL_LABELS).optional(),
  minSavingsPct: z.coerce
    .number()
    .min(-1000)
    .max(100)
    .optional()
    .meta({ examples: [20] }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_DEALS_LIMIT)
    .optional()
    .meta({ examples: [20] }),
});

/**
 * `GET /v1/deals?origin=&destination=&label=&minSavingsPct=&limit=`: the newest deals
 * (offers labelled great or good), each with its price, the typical price of its segment,
 * the savings in percent and the explanation. 400 names a bad parameter.
 */
export function dealsRoutes(routes: RouteTable, store: Pick<DealsStore, 'deals'>): void {
  routes.get(
    {
      path: '/v1/deals',
      operationId: 'listDeals',
      example: ROUTE_EXAMPLES.listDeals,
      summary: 'Newest deals: offers priced well below comparable fares',
      description:
        'Offers labelled great or good by the real-time deal classifier, newest first, each with its price, the typical price of comparable fares (market, cabin, trip type, lead time and stay), the savings in percent and an explanation.',
      tag: 'deals',
      query: dealsQuerySchema,
      secured: true,
      cacheable: true,
    },
    async ({ query: q }) => ({
      deals: await store.deals({ ...q, limit: q.limit ?? DEFAULT_DEALS_LIMIT }),
    }),
  );
}
