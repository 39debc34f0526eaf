import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseQuery } from '../../api/parse-query.js';
import { DEAL_LABELS } from '../deals/deal-label.js';
import { DEFAULT_DEALS_LIMIT, type DealsStore } from '../deals/deals-store.js';

/** Most deals one `GET /v1/deals` returns. */
export const MAX_DEALS_LIMIT = 500;

const airport = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter IATA airport code'));

/** Query of `GET /v1/deals`. */
export const dealsQuerySchema = z.strictObject({
  origin: airport.optional(),
  destination: airport.optional(),
  label: z.enum(DEAL_LABELS).optional(),
  minSavingsPct: z.coerce.number().min(-1000).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DEALS_LIMIT).optional(),
});

/**
 * `GET /v1/deals?origin=&destination=&label=&minSavingsPct=&limit=`: the newest deals
 * (offers labelled great or good), each with its price, the typical price of its segment,
 * the savings in percent and the explanation. 400 names a bad parameter.
 */
export function dealsRoutes(app: FastifyInstance, store: Pick<DealsStore, 'deals'>): void {
  app.get('/v1/deals', async (req) => {
    const q = parseQuery(dealsQuerySchema, req.query);
    const deals = await store.deals({ ...q, limit: q.limit ?? DEFAULT_DEALS_LIMIT });
    return { deals };
  });
}
