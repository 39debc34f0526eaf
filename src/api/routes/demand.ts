import { z } from 'zod';
import type { DemandStore } from '../../analytics/forecast/demand-store.js';
import { NotFoundError } from '../errors.js';
import { marketParamsSchema } from '../query-schemas.js';
import { ROUTE_EXAMPLES } from '../route-examples.js';
import type { RouteTable } from '../route-spec.js';

const airportParamsSchema = z.strictObject({
  // the example on the input side: the document shows what is sent (io: 'input')
  code: z
    .string()
    .meta({ description: 'IATA airport code (any case)', examples: ['JFK'] })
    .transform((s) => s.trim().toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter IATA airport code')),
});

/**
 * `GET /v1/markets/{origin}-{destination}/demand` and `GET /v1/airports/{code}/demand`:
 * daily search history, and the forecast of the next days with 80% and 95% intervals,
 * as the forecast job last wrote them. 400 for a malformed code, 404 when the job has
 * not forecast that market or airport (yet).
 */
export function demandRoutes(routes: RouteTable, store: Pick<DemandStore, 'view'>): void {
  routes.get(
    {
      path: '/v1/markets/{origin}-{destination}/demand',
      operationId: 'getMarketDemand',
      example: ROUTE_EXAMPLES.getMarketDemand,
      summary: 'Daily searches of a market and their forecast',
      description:
        'Searches per day over the history the forecast job used, and its forecast of the next days with 80% and 95% prediction intervals, the model it chose and its backtest accuracy. 404 until the job has forecast the market.',
      tag: 'demand',
      params: marketParamsSchema,
      secured: true,
      cacheable: true,
    },
    async ({ params }) => {
      const key = `${params.origin}-${params.destination}`;
      const v = await store.view('market', key);
      if (!v) throw new NotFoundError(`no demand forecast for market ${key}`);
      return v;
    },
  );
  routes.get(
    {
      path: '/v1/airports/{code}/demand',
      operationId: 'getAirportDemand',
      example: ROUTE_EXAMPLES.getAirportDemand,
      summary: 'Daily searches from and to an airport and their forecast',
      description:
        'As the market demand, for every search departing from or arriving at the airport. 404 until the job has forecast the airport.',
      tag: 'demand',
      params: airportParamsSchema,
      secured: true,
      cacheable: true,
    },
    async ({ params }) => {
      const v = await store.view('airport', params.code);
      if (!v) throw new NotFoundError(`no demand forecast for airport ${params.code}`);
      return v;
    },
  );
}
