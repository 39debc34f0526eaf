/**
 * The ingest HTTP service: `POST /v1/ingest/:vendor` for every vendor adapter, answering
 * 202 only after the accepted records are durable in the stream, plus `/healthz`,
 * `/readyz` and `/metrics`. Errors map to responses in one place (`errorResponse`).
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { type Config, validationPolicyOf } from '../config/config.js';
import type { ObjectStore } from '../lake/object-store/object-store.js';
import type { RecordFlag } from '../model/validation-policy.js';
import { clusterMetrics } from '../ops/cluster-metrics.js';
import type { Logger } from '../ops/logger.js';
import { RateLimiter } from '../ops/rate-limiter.js';
import type { Service } from '../ops/service.js';
import { BackpressureError, NotConnectedError, StreamUnavailableError } from '../stream/errors.js';
import type { Stream } from '../stream/stream.js';
import type { VendorAdapter } from '../vendors/vendor-adapter.js';
import { decodeBody } from './decode-body.js';
import {
  BodyTooLargeError,
  PayloadRejectedError,
  TooManyRecordsError,
  UnsupportedEncodingError,
} from './errors.js';
import { ingestPayload } from './ingest-handler.js';
import { ingestOpenApiDocument } from './ingest-openapi.js';
import { IngestStats } from './ingest-stats.js';
import { VendorAuth, type VendorToken } from './vendor-auth.js';

export interface IngestServerOptions {
  config: Config;
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

interface ErrorBody {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Reason for statistics. */
  reason: string;
}

/** Maps an error of the ingest path to its HTTP answer; undefined = internal error. */
function errorResponse(err: unknown): ErrorBody | undefined {
  if (err instanceof PayloadRejectedError) {
    return {
      status: 400,
      reason: 'invalid_payload',
      body: { error: 'invalid_payload', message: err.message, accepted: 0, rejected: err.rejected },
    };
  }
  if (err instanceof TooManyRecordsError) {
    return {
      status: 413,
      reason: 'too_many_records',
      body: { error: 'too_many_records', message: err.message, limit: err.limit },
    };
  }
  if (err instanceof BodyTooLargeError) {
    return {
      status: 413,
      reason: 'body_too_large',
      body: { error: 'body_too_large', message: err.message },
    };
  }
  if (err instanceof UnsupportedEncodingError) {
    return {
      status: 415,
      reason: 'bad_encoding',
      body: { error: 'unsupported_encoding', message: err.message },
    };
  }
  if (err instanceof BackpressureError) {
    const secs = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
    return {
      status: 503,
      reason: 'backpressure',
      headers: { 'retry-after': String(secs) },
      body: { error: 'backpressure', message: err.message, retryAfterSeconds: secs },
    };
  }
  if (err instanceof StreamUnavailableError || err instanceof NotConnectedError) {
    return {
      status: 503,
      reason: 'stream_unavailable',
      headers: { 'retry-after': '5' },
      body: { error: 'stream_unavailable', message: err.message, retryAfterSeconds: 5 },
    };
  }
  return undefined;
}

/** True when ingest serves HTTPS (certificate and key configured). */
function tls(config: Config): boolean {
  return config.ingest.tlsCert !== '' && config.ingest.tlsKey !== '';
}

/** `host:port`, with an IPv6 host in brackets. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Media type of a Content-Type header value: lower case, without parameters. */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
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
  const app = Fastify({
    logger: false,
    bodyLimit: config.ingest.maxBodyBytes,
    return503OnClosing: true,
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
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

  /** The statistics label of a route: the vendor when the route exists, else `unknown`. */
  const labelOf = (route: string | undefined) =>
    route !== undefined && adapters.has(route) ? route : 'unknown';
  const finish = (
    reply: FastifyReply,
    route: string | undefined,
    status: number,
    body: unknown,
    rejections: readonly string[],
    extra: {
      records?: number;
      offers?: number;
      inconsistentOffers?: number;
      flaggedRecords?: Partial<Record<RecordFlag, number>>;
      bytesIn?: number;
      headers?: Record<string, string>;
    } = {},
  ) => {
    stats.observe({
      vendor: labelOf(route),
      status,
      bytesIn: extra.bytesIn ?? 0,
      records: extra.records ?? 0,
      offers: extra.offers ?? 0,
      inconsistentOffers: extra.inconsistentOffers ?? 0,
      flaggedRecords: extra.flaggedRecords ?? {},
      rejections,
      latencyMs: reply.elapsedTime,
    });
    if (extra.headers) reply.headers(extra.headers);
    return reply.code(status).send(body);
  };

  app.post<{ Params: { vendor: string } }>(
    '/v1/ingest/:vendor',
    {
      // Decided from the headers alone: a refused request's body is never read.
      onRequest: async (req, reply) => {
        const route = req.params.vendor;
        const who = auth.authenticate(req.headers.authorization);
        if (!who.ok) {
          return finish(
            reply,
            route,
            401,
            { error: 'unauthorized', message: who.message },
            ['unauthorized'],
            { headers: { 'www-authenticate': 'Bearer' } },
          );
        }
        const adapter = adapters.get(route);
        if (!adapter) {
          return finish(
            reply,
            route,
            404,
            { error: 'unknown_vendor', message: 'no ingest route for this vendor' },
            ['unknown_vendor'],
          );
        }
        if (who.vendor !== undefined && who.vendor !== route) {
          return finish(
            reply,
            route,
            403,
            {
              error: 'forbidden',
              message: `this token belongs to vendor "${who.vendor}" and may post only to /v1/ingest/${who.vendor}`,
            },
            ['forbidden'],
          );
        }
        const wait = limiter.take(route);
        if (wait > 0) {
          const secs = Math.max(1, Math.ceil(wait / 1000));
          return finish(
            reply,
            route,
            429,
            {
              error: 'rate_limited',
              message: `more than ${config.ingest.requestsPerSecondPerVendor} requests/s for vendor ${route}`,
              retryAfterSeconds: secs,
            },
            ['rate_limited'],
            { headers: { 'retry-after': String(secs) } },
          );
        }
        const type = mediaType(req.headers['content-type']);
        if (type !== '' && !adapter.contentTypes.includes(type)) {
          return finish(
            reply,
            route,
            415,
            {
              error: 'unsupported_media_type',
              message: `content-type "${type}" is not accepted on /v1/ingest/${route}; send one of: ${adapter.contentTypes.join(', ')}`,
              accepted: adapter.contentTypes,
            },
            ['unsupported_media_type'],
          );
        }
      },
    },
    async (req, reply) => {
      const route = req.params.vendor;
      const adapter = adapters.get(route)!;
      const raw = req.body as Buffer | undefined;
      const bytesIn = raw?.length ?? 0;
      if (!raw || raw.length === 0)
        return finish(
          reply,
          route,
          400,
          { error: 'empty_body', message: 'the request body is empty' },
          ['empty_body'],
        );
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
      try {
        const body = await decodeBody(
          raw,
          headers['content-encoding'],
          config.ingest.maxDecompressedBytes,
        );
        const out = await ingestPayload({
          adapter,
          body,
          ctx: {
            headers,
            receivedAt: new Date(),
            requestId: headers['x-request-id'],
            validation,
          },
          contentType: headers['content-type'],
          stream: opts.stream,
          deadLetters: opts.deadLetters,
          payloadStore: opts.payloadStore,
          deadLetterInlineBytes: config.ingest.deadLetterInlineBytes,
          maxRecords: config.ingest.maxRecordsPerRequest,
          maxJsonDepth: config.ingest.maxJsonDepth,
          maxXmlDepth: config.ingest.maxXmlDepth,
        });
        // The counts of inconsistent offers and flagged records are for ingest_stats, not the vendor's answer.
        const { inconsistentOffers, flaggedRecords, ...answer } = out;
        return finish(
          reply,
          route,
          202,
          answer,
          out.rejected.map((r) => r.reason),
          {
            records: out.accepted,
            offers: out.offers,
            inconsistentOffers,
            flaggedRecords,
            bytesIn,
          },
        );
      } catch (err) {
        const e = errorResponse(err);
        if (!e) throw err;
        const reasons =
          err instanceof PayloadRejectedError ? err.rejected.map((r) => r.reason) : [e.reason];
        return finish(reply, route, e.status, e.body, reasons, { bytesIn, headers: e.headers });
      }
    },
  );

  app.setNotFoundHandler((req, reply) =>
    finish(
      reply,
      undefined,
      404,
      { error: 'not_found', message: `no route ${req.method} ${req.url}` },
      ['not_found'],
    ),
  );
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status =
      err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) logger.error('ingest request failed', { error: err.message });
    const error = status === 413 ? 'body_too_large' : status === 500 ? 'internal' : 'bad_request';
    const route = (req.params as { vendor?: string } | undefined)?.vendor;
    return finish(
      reply,
      route,
      status,
      {
        error,
        message:
          status === 500
            ? 'internal error'
            : status === 413
              ? `the request body exceeds ingest.maxBodyBytes (${config.ingest.maxBodyBytes} bytes)`
              : err.message,
      },
      [error],
    );
  });
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
