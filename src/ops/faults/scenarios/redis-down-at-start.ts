/**
 * Redis down at start: `faresight up` with the cache on a private redis-server that is
 * not running yet. The platform starts anyway (cache degraded), the API answers 200 from
 * the row store and /healthz says degraded; once Redis starts the cache reconnects by
 * itself, and the lake holds every acknowledged record once.
 */
import { randomBytes } from 'node:crypto';
import { probeApi } from '../api-probe.js';
import { runOutage } from '../outage.js';
import { privateRedis } from '../private-services.js';
import { runScenario, secs } from '../scenario.js';

/** The /healthz status of the API at `url`. */
async function health(url: string): Promise<string> {
  try {
    const r = await fetch(`${url}/healthz`);
    return ((await r.json()) as { status?: string }).status ?? `HTTP ${r.status}`;
  } catch (err) {
    return (err as Error).message;
  }
}

await runScenario(
  'redis-down-at-start',
  'up starts with Redis down; API answers 200 from the row store, /healthz degraded; cache back by itself once Redis starts',
  async (ctx) => {
    const redis = await privateRedis();
    if (!redis) return ctx.skip('redis-server is not installed (Debian package redis-server)');
    await runOutage({
      ctx,
      server: redis,
      ingestDependsOnIt: false,
      downAtStart: true,
      configure: (base) => ({
        ...base,
        cache: {
          backend: 'redis',
          url: redis.url,
          prefix: `faults-${randomBytes(4).toString('hex')}:`,
        },
      }),
      whileDown: async (p) => {
        const answers = await probeApi(p.apiUrl, 4000);
        ctx.measure('API while down', JSON.stringify(answers));
        ctx.check(
          Object.keys(answers).every((s) => s === '200'),
          'the API answered 200 while Redis was down',
        );
        const h = await health(p.apiUrl);
        ctx.measure('healthz while down', h);
        ctx.check(h === 'degraded', `/healthz said degraded while Redis was down (got ${h})`);
      },
      afterRestart: async (p, _load, upAt) => {
        let ok: number | undefined;
        for (let i = 0; i < 120 && ok === undefined; i++) {
          if ((await health(p.apiUrl)) === 'ok') ok = Date.now();
          else await new Promise((r) => setTimeout(r, 250));
        }
        ctx.measure('cache back after Redis start', secs(ok && ok - upAt));
        ctx.check(ok !== undefined, '/healthz said ok within 30 s of Redis starting');
      },
    });
  },
);
