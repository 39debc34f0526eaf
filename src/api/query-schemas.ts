/**
 * Query parameters of the API, as zod schemas: the single source of their validation
 * (and, later, of the OpenAPI document). Codes are accepted in any case and upper-cased.
 */
import { z } from 'zod';
import { CABINS } from '../model/shopping-record.js';

/** Most markets one `GET /v1/markets` returns; default DEFAULT_MARKETS_LIMIT. */
export const MAX_MARKETS_LIMIT = 1000;
export const DEFAULT_MARKETS_LIMIT = 50;

function isRealDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** A single string parameter; a missing one "is required", a repeated one is rejected. */
const text = () =>
  z.string({
    error: (iss) => (iss.input === undefined ? 'is required' : 'must be given once'),
  });

const airport = text()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter IATA airport code'));
const date = text().refine(isRealDate, 'must be a calendar date YYYY-MM-DD');
const country = text()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{2}$/, 'must be a 2-letter ISO country code'));
const cabin = text()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(CABINS, { error: `must be one of ${CABINS.join(', ')}` }));

/** `GET /v1/fares/cheapest` */
export const cheapestQuerySchema = z
  .strictObject({
    origin: airport,
    destination: airport,
    departureDate: date,
    returnDate: date.optional(),
    pos: country.optional(),
    cabin: cabin.optional(),
  })
  .superRefine((q, ctx) => {
    if (q.returnDate !== undefined && q.returnDate < q.departureDate) {
      ctx.addIssue({
        code: 'custom',
        path: ['returnDate'],
        message: `must not be before departureDate ${q.departureDate}`,
      });
    }
    if (q.origin === q.destination) {
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'must differ from origin' });
    }
  });
export type CheapestQueryParams = z.output<typeof cheapestQuerySchema>;

/** `GET /v1/markets` */
export const marketsQuerySchema = z.strictObject({
  limit: text()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, 'must be at least 1')
        .max(MAX_MARKETS_LIMIT, `must be at most ${MAX_MARKETS_LIMIT}`),
    )
    .optional(),
});
