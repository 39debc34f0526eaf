/**
 * The customer API (Fastify): routes under `/v1` described once as RouteSpecs (validation
 * and the OpenAPI document come from the same zod schemas), JSON everywhere, errors
 * mapped to answers in one place (error-response.ts), API keys with per-key rate limits,
 * and ETag / Cache-Control on reads.
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { DealsStore } from '../analytics/deals/deals-store.js';
import type { DemandStore } from '../analytics/forecast/demand-store.js';
import { instrumentHttp } from '../ops/http-metrics.js';
import { type Logger, silentLogger } from '../ops/logger.js';
import type { ServingReads } from '../serving/serving-reads.js';
import { type SqlRouteDeps, sqlRoutes } from '../sql-endpoint/sql-routes.js';
import { type ApiKeyConfig, ApiKeys } from './api-keys.js';
import { DOCS_CSP, DOCS_HTML, docsAssets } from './docs-page.js';
import { errorResponse } from './error-response.js';
import { type ExtraOperation, OPS_OPERATIONS, openApiDocument } from './openapi.js';
import { type RouteSpec, RouteTable } from './route-spec.js';
import { type AirportLocation, airportsRoutes } from './routes/airports.js';
import { dealsRoutes } from './routes/deals.js';
import { demandRoutes } from './routes/demand.js';
import { faresRoutes } from './routes/fares.js';
import { graphRoutes } from './routes/graph.js';
import { healthRoutes } from './routes/health.js';
import { marketsRoutes } from './routes/markets.js';
import { ME_OPERATION, SQL_OPERATION } from './sql-operation.js';

/** Version reported in the OpenAPI document. */
export const API_VERSION = '1.0.0';
/** Default `Cache-Control: max-age` of read answers, seconds. */
export const DEFAULT_MAX_AGE_SECONDS = 5;
/** Default per-key rate limit, requests per second per API process. */
export const DEFAULT_KEY_RATE_PER_SECOND = 100;

export interface ApiOptions {
  /** The serving reads: the row store, or a CachedReads in front of it. */
  rowStore: ServingReads;
  logger: Logger;
  /** `api.keys`; none = open API (a warning is logged). */
  keys?: Readonly<Record<string, ApiKeyConfig>>;
  /** Default per-key rate [DEFAULT_KEY_RATE_PER_SECOND]. */
  ratePerSecondPerKey?: number;
  /** `Cache-Control: max-age` of reads [DEFAULT_MAX_AGE_SECONDS]. */
  maxAgeSeconds?: number;
  /**
   * Prometheus registry served at `GET /metrics` (e.g. the realtime runner's), with the
   * API's request metrics and the process metrics added; none = a registry of its own.
   */
  metrics?: Registry;
  /** Customers and their sandboxed sessions for `POST /v1/sql`; none = no route. */
  sql?: SqlRouteDeps;
  /** Deals of the real-time classifier for `GET /v1/deals`; none = no route. */
  deals?: Pick<DealsStore, 'deals'>;
  /** Demand history and forecasts for the `.../demand` routes; none = no routes. */
  demand?: Pick<DemandStore, 'view'>;
  /** Airports with coordinates for `GET /v1/airports`; none = no route. */
  airports?: readonly AirportLocation[];
  /** Today's date (YYYY-MM-DD) for date-relative reads; default the UTC date. */
  today?: () => string;
  /** Clock of the rate limiter, for tests. */
  now?: () => number;
  /**
   * Why the cache in front of the reads is not working (Cache.degraded), for `/healthz`
   * and the `faresight_cache_up` gauge; none = no cache to report on.
   */
  cacheDegraded?: () => string | undefined;
  /**
   * Operations other processes serve (ingest's POST, with `servers` pointing at its port),
   * listed in this API's OpenAPI document so one document covers every route; default none.
   */
  otherOperations?: readonly ExtraOperation[];
  /**
   * Routes served beside the API by other rooms (the Console), each registering itself on
   * the app and describing its operations for the OpenAPI document.
   */
  extensions?: readonly ApiExtension[];
}

/** Routes another room adds to the API's app, with their OpenAPI operations. */
export interface ApiExtension {
  register(app: FastifyInstance): void;
  operations: readonly ExtraOperation[];
}

/** An API instance with the specs of its `/v1` routes (what the OpenAPI document lists). */
export interface BuiltApi {
  app: FastifyInstance;
  specs: readonly RouteSpec[];
  /** The OpenAPI document `/openapi.json` serves. */
  document(): Record<string, unknown>;
}

function specOf(config: unknown): RouteSpec | undefined {
  return (config as { spec?: RouteSpec } | undefined)?.spec;
}

/**
 * Builds the API without listening (tests use `app.inject`). Routes: `GET /healthz`,
 * `/metrics` (with a registry), `/openapi.json`, `/docs`, and under `/v1`: markets,
 * markets/{origin}-{destination}, fares/cheapest, fares/calendar, graph/routes,
 * graph/explore. Unknown routes 404 JSON; bad parameters 400 JSON naming the field;
 * 401/403/429 from API keys; unexpected errors 500 (logged, detail never sent).
 */
export function createApi(opts: ApiOptions): FastifyInstance {
  return buildApi(opts).app;
}

/** createApi, also returning the route specs. */
export function buildApi(opts: ApiOptions): BuiltApi {
  const app = Fastify({ logger: false, return503OnClosing: true });
  const log = opts.logger;
  const keys = new ApiKeys(
    opts.keys ?? {},
    opts.ratePerSecondPerKey ?? DEFAULT_KEY_RATE_PER_SECOND,
    opts.now,
  );
  if (!keys.enabled) log.warn('no API keys configured (api.keys): the API is open to anyone');
  const maxAge = opts.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const today = opts.today ?? (() => new Date().toISOString().slice(0, 10));

  app.setErrorHandler((err, req, reply) => {
    const r = errorResponse(err);
    if (!r.expose) log.error('request failed', { url: req.url, error: (err as Error).message });
    if (r.headers) reply.headers(r.headers);
    return reply.code(r.status).send(r.body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
  app.addHook('onRequest', async (req, reply) => {
    const spec = specOf(req.routeOptions.config);
    if (!spec?.secured) return;
    const c = keys.check(req.headers, spec.path);
    if (c.ok) return;
    if (c.retryAfterMs !== undefined)
      reply.header('retry-after', String(Math.max(1, Math.ceil(c.retryAfterMs / 1000))));
    return reply.code(c.status).send({ error: c.error, message: c.message });
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const spec = specOf(req.routeOptions.config);
    if (!spec?.cacheable || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    const etag = `"${createHash('sha1').update(payload).digest('base64url')}"`;
    reply.header('etag', etag);
    reply.header('cache-control', `${keys.enabled ? 'private' : 'public'}, max-age=${maxAge}`);
    reply.header('vary', 'authorization, x-api-key');
    const inm = req.headers['if-none-match'];
    if (inm && (inm === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag))) {
      reply.code(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      return '';
    }
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    log.debug('request', { method: req.method, url: req.url, status: reply.statusCode });
  });

  const registry = opts.metrics ?? new Registry();
  instrumentHttp(app, registry, 'api');
  const routes = new RouteTable(app);
  healthRoutes(app, opts.rowStore, registry, opts.cacheDegraded);
  marketsRoutes(routes, opts.rowStore, today);
  faresRoutes(routes, opts.rowStore);
  graphRoutes(routes, opts.rowStore, today);
  if (opts.sql) sqlRoutes(app, opts.sql);
  if (opts.deals) dealsRoutes(routes, opts.deals);
  if (opts.demand) demandRoutes(routes, opts.demand);
  if (opts.airports) airportsRoutes(routes, opts.airports);
  for (const e of opts.extensions ?? []) e.register(app);
  const document = () =>
    openApiDocument(routes.specs, {
      version: API_VERSION,
      keys: keys.enabled,
      extra: [
        ...OPS_OPERATIONS,
        ...(opts.sql ? [SQL_OPERATION, ME_OPERATION] : []),
        ...(opts.otherOperations ?? []),
        ...(opts.extensions ?? []).flatMap((e) => e.operations),
      ],
    });
  let doc: string | undefined;
  app.get('/openapi.json', async (_req, reply) => {
    doc ??= JSON.stringify(document());
    return reply.type('application/json; charset=utf-8').send(doc);
  });
  app.get('/docs', async (_req, reply) =>
    reply
      .header('content-security-policy', DOCS_CSP)
      .type('text/html; charset=utf-8')
      .send(DOCS_HTML),
  );
  app.get<{ Params: { file: string } }>('/docs/:file', async (req, reply) => {
    const asset = docsAssets().get(req.params.file);
    if (!asset)
      return reply
        .code(404)
        .send({ error: 'not_found', message: `no file ${req.params.file} under /docs/` });
    return reply
      .header('content-security-policy', DOCS_CSP)
      .header('cache-control', 'public, max-age=3600')
      .type(asset.type)
      .send(asset.body);
  });
  // The page loads `openapi.json` relative to itself (so it works behind a path prefix);
  // from `/docs/` that would be `/docs/openapi.json`, hence a redirect, relative too.
  app.get('/docs/', async (_req, reply) => reply.redirect('../docs', 301));
  return { app, specs: routes.specs, document };
}

/**
 * The OpenAPI document of an API serving every optional route (SQL, deals, demand,
 * airports) beside `otherOperations`, built without any backend: the routes are
 * registered, never called. What `faresight help api` lists.
 */
export function describeApi(
  otherOperations: readonly ExtraOperation[] = [],
): Record<string, unknown> {
  const never = async (): Promise<never> => {
    throw new Error('describeApi builds the document only');
  };
  return buildApi({
    rowStore: {} as ServingReads,
    logger: silentLogger,
    deals: { deals: never },
    demand: { view: never },
    sql: { customers: { byKey: never, grants: never }, openSession: never },
    airports: [],
    otherOperations,
  }).document();
}
