import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ServingReads } from '../../serving/serving-reads.js';

/**
 * `GET /healthz`: 200 `{ status: 'ok' }` when the row store answers, else 503.
 * `GET /metrics`: the Prometheus text of `metrics`, when given.
 */
export function healthRoutes(
  app: FastifyInstance,
  rowStore: Pick<ServingReads, 'ping'>,
  metrics?: Registry,
): void {
  app.get('/healthz', async (_req, reply) => {
    try {
      await rowStore.ping();
      return { status: 'ok' };
    } catch (err) {
      return reply
        .code(503)
        .send({ error: 'unavailable', message: `row store: ${(err as Error).message}` });
    }
  });
  if (metrics) {
    app.get('/metrics', async (_req, reply) =>
      reply.type(metrics.contentType).send(await metrics.metrics()),
    );
  }
}
