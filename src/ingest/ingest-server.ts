/**
 * The ingest HTTP service: `POST /v1/ingest/:vendor` for every vendor adapter, answering
 * 202 only after the accepted records are durable in the stream. Errors map to responses
 * in one place (`replyError`).
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Config } from '../config/config.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import { BackpressureError, StreamUnavailableError } from '../stream/errors.js';
import type { Stream } from '../stream/stream.js';
import type { VendorAdapter } from '../vendors/vendor-adapter.js';
import { PayloadRejectedError, TooManyRecordsError } from './errors.js';
import { ingestPayload } from './ingest-handler.js';

/** Running counters of an ingest server. */
export interface IngestStats {
  requests: number;
  records: number;
  offers: number;
  rejectedRecords: number;
  failedRequests: number;
}

export interface IngestServerOptions {
  stream: Stream;
  adapters: Readonly<Record<string, VendorAdapter>>;
  maxBodyBytes: number;
  maxRecordsPerRequest: number;
  logger: Logger;
}

function replyError(reply: FastifyReply, err: unknown, stats: IngestStats) {
  stats.failedRequests++;
  if (err instanceof PayloadRejectedError) {
    return reply.code(400).send({ error: 'invalid_payload', message: err.message, rejected: err.rejected });
  }
  if (err instanceof TooManyRecordsError) {
    return reply.code(413).send({ error: 'too_many_records', message: err.message, limit: err.limit });
  }
  if (err instanceof BackpressureError) {
    const secs = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
    return reply
      .code(503)
      .header('retry-after', String(secs))
      .send({ error: 'backpressure', message: err.message, retryAfterSeconds: secs });
  }
  if (err instanceof StreamUnavailableError) {
    return reply
      .code(503)
      .header('retry-after', '5')
      .send({ error: 'stream_unavailable', message: err.message, retryAfterSeconds: 5 });
  }
  throw err;
}

/** Builds the Fastify app (not listening); used by `startIngest` and by tests through inject(). */
export function createIngestApp(opts: IngestServerOptions): { app: FastifyInstance; stats: IngestStats } {
  const stats: IngestStats = { requests: 0, records: 0, offers: 0, rejectedRecords: 0, failedRequests: 0 };
  const app = Fastify({ logger: false, bodyLimit: opts.maxBodyBytes, return503OnClosing: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.post<{ Params: { vendor: string } }>('/v1/ingest/:vendor', async (req, reply) => {
    stats.requests++;
    const adapter = opts.adapters[req.params.vendor];
    if (!adapter) {
      stats.failedRequests++;
      return reply.code(404).send({
        error: 'unknown_vendor',
        message: `no ingest route for vendor "${req.params.vendor}"; known: ${Object.keys(opts.adapters).join(', ')}`,
      });
    }
    const body = req.body as Buffer | undefined;
    if (!body || body.length === 0) {
      stats.failedRequests++;
      return reply.code(400).send({ error: 'empty_body', message: 'the request body is empty' });
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
    try {
      const out = await ingestPayload(
        adapter,
        body,
        { headers, receivedAt: new Date() },
        opts.stream,
        opts.maxRecordsPerRequest,
      );
      stats.records += out.accepted;
      stats.offers += out.offers;
      stats.rejectedRecords += out.rejected.length;
      return reply.code(202).send(out);
    } catch (err) {
      return replyError(reply, err, stats);
    }
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url}` }),
  );
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) opts.logger.error('ingest request failed', { error: err.message });
    stats.failedRequests++;
    return reply.code(status).send({
      error: status === 413 ? 'body_too_large' : status === 500 ? 'internal' : 'bad_request',
      message: status === 500 ? 'internal error' : err.message,
    });
  });
  return { app, stats };
}

/** Starts the ingest service on `config.ingest.host:port`. */
export async function startIngest(
  config: Config,
  opts: Omit<IngestServerOptions, 'maxBodyBytes' | 'maxRecordsPerRequest'>,
): Promise<Service & { url: string; stats: IngestStats }> {
  const { app, stats } = createIngestApp({
    ...opts,
    maxBodyBytes: config.ingest.maxBodyBytes,
    maxRecordsPerRequest: config.ingest.maxRecordsPerRequest,
  });
  const address = await app.listen({ host: config.ingest.host, port: config.ingest.port });
  const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  opts.logger.info('ingest listening', { url });
  return {
    name: 'ingest',
    url,
    stats,
    stop: async () => {
      await app.close();
    },
  };
}
