/**
 * The ingest HTTP service: `POST /v1/ingest/:vendor` for every vendor adapter, answering
 * 202 only after the accepted records are durable in the stream, plus `/healthz`,
 * `/readyz` and `/metrics`. The ingest route is served on node:http directly
 * (ingest-route.ts), the others by Fastify; errors map to answers in one place
 * (error-response.ts) for both.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import { type IngestConfig, type ValidationConfig, validationPolicyOf } from '../config/config.js';
import type { ObjectStore } from '../lake/object-store/object-store.js';
import { clusterMetrics } from '../ops/cluster-metrics.js';
import type { Logger } from '../ops/logger.js';
import { RateLimiter } from '../ops/rate-limiter.js';
import type { Service } from '../ops/service.js';
import type { Stream } from '../stream/stream.js';
import type { VendorAdapter } from '../vendors/vendor-adapter.js';
import { errorResponse } from './error-response.js';
import { RequestRefusedError } from './errors.js';
import { ingestOpenApiDocument } from './ingest-openapi.js';
import { createIngestRoute, ingestRouteVendor } from './ingest-route.js';
import { IngestStats } from './ingest-stats.js';
import { VendorAuth, type VendorToken } from './vendor-auth.js';

/** The sections ingest reads: `ingest` and the record `validation` of every adapter. */
export interface IngestRoleConfig {
  readonly ingest: IngestConfig;
  readonly validation: ValidationConfig;
}

export interface IngestServerOptions {
  config: IngestRoleConfig;
  stream: Stream;
  /** Dead-letter stream; rejections are only answered, not kept, without it. */
  deadLetters?: Stream;
  /** Statistics stream (table ingest_stats); statistics are only metrics without it. */
  statsStream?: Stream;
  /**
   * The lake's object store: a rejected payload over `ingest.deadLetterInlineBytes` is
   * kept there whole. Without it every rejected payload travels inline on the stream.
   */
  payloadStore?: ObjectStore;
  adapters: Readonly<Record<string, VendorAdapter>>;
  /** Tokens accepted beside the configured ones (the demo feed's, made at start). */
  internalTokens?: readonly VendorToken[];
  logger: Logger;
}

/** True when ingest serves HTTPS (certificate and key configured). */
function tls(config: { readonly ingest: IngestConfig }): boolean {
  return config.ingest.tlsCert !== '' && config.ingest.tlsKey !== '';
}

/** `host:port`, with an IPv6 host in brackets. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Builds the Fastify app (not listening); used by `startIngest` and by tests through
 * inject(). Every request to `POST /v1/ingest/:vendor` is decided from its headers before
 * its body is read, in this order: credentials (401), route (404, naming no other route),
 * the token's vendor (403), rate (429), content type (415); then the body limit (413).
 * Every refusal is counted per vendor (`unknown` for a route that does not exist) and
 * reason, in metrics and in ingest_stats.
 */
export function createIngestApp(opts: IngestServerOptions): {
  app: FastifyInstance;
  stats: IngestStats;
  registry: Registry;
  /** Every method and URL the app serves (HEAD included), as Fastify registered them. */
  routes: readonly { method: string; url: string }[];
} {
  const { config, logger } = opts;
  const registry = new Registry();
  const stats = new IngestStats({
    periodSeconds: config.ingest.statsIntervalSeconds,
    registry,
    stream: opts.statsStream,
    logger,
  });
  // a Map: a route named after an Object.prototype member (__proto__, constructor) is unknown
  const adapters = new Map(Object.entries(opts.adapters));
  const auth = new VendorAuth(config.ingest.vendors, opts.internalTokens);
  const limiter = new RateLimiter(config.ingest.requestsPerSecondPerVendor);
  const validation = validationPolicyOf(config);
  let ready = true;
  const https = tls(config)
    ? { key: readFileSync(config.ingest.tlsKey), cert: readFileSync(config.ingest.tlsCert) }
    : undefined;
  let closing = false;
  // The ingest route goes to `handle` (ingest-route.ts) without entering Fastify; every
  // other request, and the ingest route once closing (Fastify answers 503), to Fastify.
  let handle: ReturnType<typeof createIngestRoute> | undefined;
  const serverFactory = (
    fastify: (req: IncomingMessage, res: ServerResponse) => void,
    o: { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number },
  ) => {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'POST' && !closing && handle) {
        const vendor = ingestRouteVendor(req.url);
        if (vendor !== undefined) return handle(req, res, vendor);
      }
      fastify(req, res);
    };
    const server = https ? createHttpsServer(https, listener) : createHttpServer(listener);
    // as Fastify sets up a server of its own
    if (o.keepAliveTimeout !== undefined) server.keepAliveTimeout = o.keepAliveTimeout;
    if (o.requestTimeout !== undefined) server.requestTimeout = o.requestTimeout;
    server.setTimeout(o.connectionTimeout ?? 0);
    return server;
  };
  const app = Fastify({
    logger: false,
    bodyLimit: config.ingest.maxBodyBytes,
    return503OnClosing: true,
    serverFactory,
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onClose', async () => {
    ready = false;
  });

  // every route this app serves, for the test that holds the OpenAPI document to them
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  let doc: string | undefined;
  app.get('/openapi.json', async (_req, reply) => {
    doc ??= JSON.stringify(ingestOpenApiDocument(INGEST_API_VERSION));
    return reply.type('application/json; charset=utf-8').send(doc);
  });
  app.get('/readyz', async (_req, reply) =>
    ready ? { status: 'ready' } : reply.code(503).send({ status: 'stopping' }),
  );
  // under --workers N, every worker answers with all workers' metrics (via the primary)
  const metrics = cluster.isWorker ? clusterMetrics(registry) : () => registry.metrics();
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', registry.contentType).send(await metrics()),
  );

  handle = createIngestRoute({
    config,
    stream: opts.stream,
    deadLetters: opts.deadLetters,
    payloadStore: opts.payloadStore,
    adapters,
    auth,
    limiter,
    validation,
    stats,
    logger,
  });
  // Through Fastify only for inject() (tests) and a server of its own making: the server
  // below hands the route to `handle` before Fastify sees the request.
  app.post<{ Params: { vendor: string } }>('/v1/ingest/:vendor', {
    onRequest: (req, reply, done) => {
      reply.hijack();
      handle(req.raw, reply.raw, req.params.vendor);
      done();
    },
    handler: async () => undefined,
  });

  /** Answers an error met by Fastify (not found, malformed request, internal) and counts it. */
  const fail = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
    const a = errorResponse(err, config.ingest.maxBodyBytes);
    if (a.status === 500) logger.error('ingest request failed', { error: (err as Error).message });
    const route = (req.params as { vendor?: string } | undefined)?.vendor;
    stats.observe({
      vendor: route !== undefined && adapters.has(route) ? route : 'unknown',
      status: a.status,
      bytesIn: 0,
      records: 0,
      offers: 0,
      rejections: a.reasons,
      latencyMs: reply.elapsedTime,
    });
    if (a.headers) reply.headers(a.headers);
    return reply.code(a.status).send(a.body);
  };
  app.setNotFoundHandler((req, reply) =>
    fail(
      req,
      reply,
      new RequestRefusedError(404, 'not_found', `no route ${req.method} ${req.url}`),
    ),
  );
  app.setErrorHandler((err, req, reply) => fail(req, reply, err));
  return { app, stats, registry, routes };
}

/** Version of the ingest HTTP interface in its OpenAPI document. */
export const INGEST_API_VERSION = '1.0.0';

/** Starts the ingest service on `config.ingest.host:port`. */
export async function startIngest(
  opts: IngestServerOptions,
): Promise<Service & { url: string; stats: IngestStats; registry: Registry }> {
  const { app, stats, registry } = createIngestApp(opts);
  if (Object.keys(opts.config.ingest.vendors).length === 0) {
    opts.logger.warn(
      'no vendor secrets configured (ingest.vendors): ingest accepts posts without authentication',
    );
  }
  await app.listen({ host: opts.config.ingest.host, port: opts.config.ingest.port });
  const scheme = tls(opts.config) ? 'https' : 'http';
  const addresses = app.addresses() as AddressInfo[];
  const bound = addresses.map((a) => `${scheme}://${hostPort(a.address, a.port)}`);
  const first = addresses[0]!;
  // where a client on this machine reaches it (an unspecified address is not one to dial)
  const local = ['0.0.0.0', '::'].includes(first.address) ? '127.0.0.1' : first.address;
  const url = `${scheme}://${hostPort(local, first.port)}`;
  opts.logger.info('ingest listening', { on: bound.join(', ') });
  stats.start();
  return {
    name: 'ingest',
    url,
    stats,
    registry,
    stop: async () => {
      await app.close();
      await stats
        .stop()
        .catch((err) =>
          opts.logger.warn('final stats flush failed', { error: (err as Error).message }),
        );
    },
  };
}
