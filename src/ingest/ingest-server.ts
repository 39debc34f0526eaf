/**
 * The ingest HTTP service: `POST /v1/ingest/:vendor` for every vendor adapter, answering
 * 202 only after the accepted records are durable in the stream, plus `/healthz`,
 * `/readyz` and `/metrics`. Errors map to responses in one place (`errorResponse`).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { Logger } from '../ops/logger.js';
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
import { IngestStats } from './ingest-stats.js';
import { RateLimiter } from './rate-limiter.js';
import { VendorAuth } from './vendor-auth.js';

export interface IngestServerOptions {
  config: Config;
  stream: Stream;
  /** Dead-letter stream; rejections are only answered, not kept, without it. */
  deadLetters?: Stream;
  /** Statistics stream (table ingest_stats); statistics are only metrics without it. */
  statsStream?: Stream;
  adapters: Readonly<Record<string, VendorAdapter>>;
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

/** Builds the Fastify app (not listening); used by `startIngest` and by tests through inject(). */
export function createIngestApp(opts: IngestServerOptions): {
  app: FastifyInstance;
  stats: IngestStats;
  registry: Registry;
} {
  const { config, logger } = opts;
  const registry = new Registry();
  const stats = new IngestStats({
    periodSeconds: config.ingest.statsIntervalSeconds,
    registry,
    stream: opts.statsStream,
    logger,
  });
  const auth = new VendorAuth(config.ingest.vendors);
  const limiter = new RateLimiter(config.ingest.requestsPerSecondPerVendor);
  let ready = true;
  const tls =
    config.ingest.tlsCert && config.ingest.tlsKey
      ? { key: readFileSync(config.ingest.tlsKey), cert: readFileSync(config.ingest.tlsCert) }
      : undefined;
  const app = Fastify({
    logger: false,
    bodyLimit: config.ingest.maxBodyBytes,
    return503OnClosing: true,
    ...(tls ? { https: tls } : {}),
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onClose', async () => {
    ready = false;
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) =>
    ready ? { status: 'ready' } : reply.code(503).send({ status: 'stopping' }),
  );
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', registry.contentType).send(await registry.metrics()),
  );

  app.post<{ Params: { vendor: string } }>('/v1/ingest/:vendor', async (req, reply) => {
    const t0 = performance.now();
    const vendor = req.params.vendor;
    const raw = req.body as Buffer | undefined;
    const bytesIn = raw?.length ?? 0;
    const finish = (
      status: number,
      body: unknown,
      rejections: readonly string[],
      records = 0,
      offers = 0,
      headers?: Record<string, string>,
      inconsistentOffers = 0,
    ) => {
      stats.observe({
        vendor: opts.adapters[vendor] ? vendor : 'unknown',
        status,
        bytesIn,
        records,
        offers,
        inconsistentOffers,
        rejections,
        latencyMs: performance.now() - t0,
      });
      if (headers) reply.headers(headers);
      return reply.code(status).send(body);
    };
    const adapter = opts.adapters[vendor];
    if (!adapter) {
      return finish(
        404,
        {
          error: 'unknown_vendor',
          message: `no ingest route for vendor "${vendor}"; known: ${Object.keys(opts.adapters).join(', ')}`,
        },
        ['unknown_vendor'],
      );
    }
    const a = auth.check(vendor, req.headers.authorization);
    if (!a.ok) {
      const code = a.status === 401 ? 'unauthorized' : 'forbidden';
      return finish(
        a.status,
        { error: code, message: a.message },
        [code],
        0,
        0,
        a.status === 401 ? { 'www-authenticate': 'Bearer' } : undefined,
      );
    }
    const wait = limiter.take(vendor);
    if (wait > 0) {
      const secs = Math.max(1, Math.ceil(wait / 1000));
      return finish(
        429,
        {
          error: 'rate_limited',
          message: `more than ${config.ingest.requestsPerSecondPerVendor} requests/s for vendor ${vendor}`,
          retryAfterSeconds: secs,
        },
        ['rate_limited'],
        0,
        0,
        { 'retry-after': String(secs) },
      );
    }
    if (!raw || raw.length === 0)
      return finish(400, { error: 'empty_body', message: 'the request body is empty' }, [
        'empty_body',
      ]);
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
        ctx: { headers, receivedAt: new Date(), ingestId: headers['x-request-id'] ?? randomUUID() },
        contentType: headers['content-type'],
        stream: opts.stream,
        deadLetters: opts.deadLetters,
        maxRecords: config.ingest.maxRecordsPerRequest,
      });
      // The count of inconsistent offers is for ingest_stats, not the vendor's answer.
      const { inconsistentOffers, ...answer } = out;
      return finish(
        202,
        answer,
        out.rejected.map((r) => r.reason),
        out.accepted,
        out.offers,
        undefined,
        inconsistentOffers,
      );
    } catch (err) {
      const e = errorResponse(err);
      if (!e) throw err;
      const reasons =
        err instanceof PayloadRejectedError ? err.rejected.map((r) => r.reason) : [e.reason];
      return finish(e.status, e.body, reasons, 0, 0, e.headers);
    }
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url}` }),
  );
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status =
      err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) logger.error('ingest request failed', { error: err.message });
    return reply.code(status).send({
      error: status === 413 ? 'body_too_large' : status === 500 ? 'internal' : 'bad_request',
      message: status === 500 ? 'internal error' : err.message,
    });
  });
  return { app, stats, registry };
}

/** Starts the ingest service on `config.ingest.host:port`. */
export async function startIngest(
  opts: IngestServerOptions,
): Promise<Service & { url: string; stats: IngestStats }> {
  const { app, stats } = createIngestApp(opts);
  if (Object.keys(opts.config.ingest.vendors).length === 0) {
    opts.logger.warn(
      'no vendor secrets configured (ingest.vendors): ingest accepts posts without authentication',
    );
  }
  const address = await app.listen({
    host: opts.config.ingest.host,
    port: opts.config.ingest.port,
  });
  const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  opts.logger.info('ingest listening', { url });
  stats.start();
  return {
    name: 'ingest',
    url,
    stats,
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
