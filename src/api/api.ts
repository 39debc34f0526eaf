/**
 * The customer API (Fastify): routes under `/v1`, JSON everywhere, errors mapped to
 * answers in one place (error-response.ts).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../ops/logger.js';
import type { ApiRowStore } from './api-row-store.js';
import { errorResponse } from './error-response.js';
import { faresRoutes } from './routes/fares.js';
import { healthRoutes } from './routes/health.js';
import { marketsRoutes } from './routes/markets.js';

export interface ApiOptions {
  rowStore: ApiRowStore;
  logger: Logger;
}

/**
 * Builds the API without listening (tests use `app.inject`). Routes: `GET /healthz`,
 * `GET /v1/markets`, `GET /v1/fares/cheapest`. Unknown routes answer 404 JSON; bad
 * parameters 400 JSON naming the field; unexpected errors 500 (logged).
 */
export function createApi(opts: ApiOptions): FastifyInstance {
  const app = Fastify({ logger: false, return503OnClosing: true });
  const log = opts.logger;
  app.setErrorHandler((err, req, reply) => {
    const r = errorResponse(err);
    if (!r.expose) log.error('request failed', { url: req.url, error: (err as Error).message });
    return reply.code(r.status).send(r.body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
  app.addHook('onResponse', async (req, reply) => {
    log.debug('request', { method: req.method, url: req.url, status: reply.statusCode });
  });
  healthRoutes(app, opts.rowStore);
  marketsRoutes(app, opts.rowStore);
  faresRoutes(app, opts.rowStore);
  return app;
}
