/**
 * Query parameters of the API, as zod schemas: the single source of their validation
 * and of the OpenAPI document's parameters (openapi.ts). Codes are accepted in any case and upper-cased.
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

// The regex on the input side (before the transform) is what the OpenAPI document shows.
const airport = text()
  .regex(/^\s*[A-Za-z]{3}\s*$/, 'must be a 3-letter IATA airport code')
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter IATA airport code'))
  .meta({ description: 'IATA airport code (any case)', example: 'JFK' });
const date = text()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a calendar date YYYY-MM-DD')
  .refine(isRealDate, 'must be a calendar date YYYY-MM-DD')
  .meta({ description: 'calendar date YYYY-MM-DD', example: '2030-03-01' });
// The examples are what /docs fills in for "Try it out": taken together, each route's
// make a request it answers (api-v1.test.ts), so a destination is not the origin again.
const destination = airport.meta({ description: 'IATA airport code (any case)', example: 'LAX' });
const dateThen = (example: string) =>
  date.meta({ description: 'calendar date YYYY-MM-DD', example });
const country = text()
  .regex(/^\s*[A-Za-z]{2}\s*$/, 'must be a 2-letter ISO country code')
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{2}$/, 'must be a 2-letter ISO country code'))
  .meta({ description: 'point of sale, ISO 3166 country code', example: 'US' });
const cabin = text()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(CABINS, { error: `must be one of ${CABINS.join(', ')}` }))
  .meta({ description: `cabin: ${CABINS.join(', ')} (any case)`, example: 'economy' });

/** `GET /v1/fares/cheapest` */
export const cheapestQuerySchema = z
  .strictObject({
    origin: airport,
    destination,
    departureDate: date,
    returnDate: dateThen('2030-03-08').optional(),
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
    .optional()
    .meta({
      description: `markets to list, busiest first (at most ${MAX_MARKETS_LIMIT})`,
      example: '10',
    }),
});

/** A whole-number parameter between `min` and `max`. */
const wholeNumber = (min: number, max: number) =>
  text()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** A positive decimal amount. */
const amount = text()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive amount such as 250 or 99.5')
  .transform(Number)
  .pipe(z.number().positive('must be more than 0'));

const currency = text()
  .regex(/^\s*[A-Za-z]{3}\s*$/, 'must be a 3-letter ISO 4217 currency code')
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 currency code'))
  .meta({ description: 'ISO 4217 currency of the fares combined (default USD)', example: 'USD' });

/** Longest calendar, days (from..to inclusive). */
export const MAX_CALENDAR_DAYS = 366;

const daysBetween = (a: string, b: string) =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);

/** `GET /v1/fares/calendar` */
export const calendarQuerySchema = z
  .strictObject({
    origin: airport,
    destination,
    from: date,
    to: dateThen('2030-03-31'),
    // no example: "Try it out" would send it beside stay's, which the route refuses
    returnDate: date.optional().meta({
      description: 'calendar date YYYY-MM-DD: one return date for every departure (or stay)',
      example: undefined,
    }),
    stay: wholeNumber(0, 365)
      .optional()
      .meta({ description: 'nights between departure and return (or returnDate)', example: '7' }),
    pos: country.optional(),
    cabin: cabin.optional(),
  })
  .superRefine((q, ctx) => {
    if (q.to < q.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `must not be before from ${q.from}` });
    } else if (daysBetween(q.from, q.to) >= MAX_CALENDAR_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `must be less than ${MAX_CALENDAR_DAYS} days after from`,
      });
    }
    if (q.returnDate !== undefined && q.stay !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['stay'],
        message: 'give returnDate or stay, not both',
      });
    }
    if (q.returnDate !== undefined && q.returnDate < q.to) {
      ctx.addIssue({
        code: 'custom',
        path: ['returnDate'],
        message: `must not be before to ${q.to}`,
      });
    }
    if (q.origin === q.destination) {
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'must differ from origin' });
    }
  });

/** Path parameters of `GET /v1/markets/{origin}-{destination}` */
export const marketParamsSchema = z
  .strictObject({ origin: airport, destination })
  .superRefine((q, ctx) => {
    if (q.origin === q.destination) {
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'must differ from origin' });
    }
  });

/** Most self-transfer points a graph query may ask for. */
export const MAX_STOPS = 3;

const maxStops = wholeNumber(0, MAX_STOPS).meta({
  description: `separate tickets minus one (at most ${MAX_STOPS})`,
  example: '2',
});
const minConnectionMinutes = wholeNumber(0, 24 * 60).meta({
  description: 'shortest self-transfer, minutes (default 180)',
  example: '180',
});

/** `GET /v1/graph/routes` */
export const routesQuerySchema = z
  .strictObject({
    origin: airport,
    destination,
    maxStops: maxStops.optional(),
    date: date.optional(),
    currency: currency.optional(),
    cabin: cabin.optional(),
    minConnectionMinutes: minConnectionMinutes.optional(),
  })
  .superRefine((q, ctx) => {
    if (q.origin === q.destination) {
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'must differ from origin' });
    }
  });

/** `GET /v1/graph/explore` */
export const exploreQuerySchema = z.strictObject({
  origin: airport,
  budget: amount.meta({ description: 'most a way may cost, in currency', example: '500' }),
  currency: currency.optional(),
  date: date.optional(),
  maxStops: maxStops.optional(),
  cabin: cabin.optional(),
  minConnectionMinutes: minConnectionMinutes.optional(),
});
