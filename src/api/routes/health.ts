import type { FastifyInstance } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { ServingReads } from '../../serving/serving-reads.js';

/**
 * `GET /healthz`: 200 `{ status: 'ok' }` when the row store answers; 200
 * `{ status: 'degraded', cache: reason }` when it does but `cacheDegraded` names a reason
 * (answers come from the row store meanwhile); 503 when the row store does not answer.
 * `GET /metrics`: the Prometheus text of `metrics`, when given, with the gauge
 * `faresight_cache_up` (1 working, 0 degraded) when `cacheDegraded` is given.
 */
export function healthRoutes(
  app: FastifyInstance,
  rowStore: Pick<ServingReads, 'ping'>,
  metrics?: Registry,
  cacheDegraded?: () => string | undefined,
): void {
  if (metrics && cacheDegraded && !metrics.getSingleMetric('faresight_cache_up')) {
    new Gauge({
      name: 'faresight_cache_up',
      help: 'Whether the serving cache works (1) or is degraded and read through (0)',
      registers: [metrics],
      collect() {
        this.set(cacheDegraded() === undefined ? 1 : 0);
      },
    });
  }
  app.get('/healthz', async (_req, reply) => {
    try {
      await rowStore.ping();
      const cache = cacheDegraded?.();
      return cache === undefined ? { status: 'ok' } : { status: 'degraded', cache };
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
