/**
 * NATS restarted mid-run: the platform on JetStream (a private nats-server), which stops
 * for 8 s and starts again on the same store. Ingest answers 503 with Retry-After while
 * NATS is gone, accepts again by itself, and every acknowledged record lands in the lake
 * once.
 */
import { runOutage } from '../outage.js';
import { privateNats } from '../private-services.js';
import { runScenario } from '../scenario.js';

await runScenario(
  'nats-restart',
  'no crash; 503 + Retry-After while NATS is down; resumes by itself; no acked record lost or duplicated',
  async (ctx) => {
    const nats = await privateNats(ctx.dir);
    if (!nats) return ctx.skip('nats-server is not installed (Debian package nats-server)');
    await runOutage({
      ctx,
      server: nats,
      ingestDependsOnIt: true,
      configure: (base) => ({
        ...base,
        stream: { ...(base.stream as object), backend: 'jetstream', servers: nats.url },
      }),
    });
  },
);
