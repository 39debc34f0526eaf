import type { FastifyInstance } from 'fastify';
import { BadRequestError, NotFoundError } from '../../api/errors.js';
import type { DemandStore } from '../forecast/demand-store.js';

const AIRPORT = /^[A-Z]{3}$/;

/**
 * `GET /v1/markets/{origin}-{destination}/demand` and `GET /v1/airports/{code}/demand`:
 * daily search history, and the forecast of the next days with 80% and 95% intervals,
 * as the forecast job last wrote them. 400 for a malformed code, 404 when the job has
 * not forecast that market or airport (yet).
 */
export function demandRoutes(app: FastifyInstance, store: Pick<DemandStore, 'view'>): void {
  app.get<{ Params: { market: string } }>('/v1/markets/:market/demand', async (req) => {
    const m = /^([A-Za-z]{3})-([A-Za-z]{3})$/.exec(req.params.market);
    if (!m) throw new BadRequestError('market: must be ORIGIN-DESTINATION, e.g. JFK-LAX', 'market');
    const key = `${(m[1] as string).toUpperCase()}-${(m[2] as string).toUpperCase()}`;
    const v = await store.view('market', key);
    if (!v) throw new NotFoundError(`no demand forecast for market ${key}`);
    return v;
  });
  app.get<{ Params: { code: string } }>('/v1/airports/:code/demand', async (req) => {
    const code = req.params.code.toUpperCase();
    if (!AIRPORT.test(code))
      throw new BadRequestError('code: must be a 3-letter IATA airport code', 'code');
    const v = await store.view('airport', code);
    if (!v) throw new NotFoundError(`no demand forecast for airport ${code}`);
    return v;
  });
}
