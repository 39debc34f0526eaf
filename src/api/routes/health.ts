import type { FastifyInstance } from 'fastify';
import type { ApiRowStore } from '../api-row-store.js';

/** `GET /healthz`: 200 `{ status: 'ok' }` when the row store answers, else 503. */
export function healthRoutes(app: FastifyInstance, rowStore: ApiRowStore): void {
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
}
