/**
 * Redis down at start: `faresight up` with the cache on a private redis-server that is
 * not running yet. The platform starts anyway (cache degraded), the API answers 200 from
 * the row store and /healthz says degraded; once Redis starts the cache reconnects by
 * itself, and the lake holds every acknowledged record once.
 */
import { checkApiAnswersWhileDown, healthStatus } from '../api-probe.js';
import { runRedisOutage } from '../outage.js';
import { runScenario, secs } from '../scenario.js';

await runScenario(
  'redis-down-at-start',
  'up starts with Redis down; API answers 200 from the row store, /healthz degraded; cache back by itself once Redis starts',
  async (ctx) => {
    await runRedisOutage(ctx, {
      downAtStart: true,
      whileDown: async (p) => {
        await checkApiAnswersWhileDown(ctx, p.apiUrl, 4000);
        const h = await healthStatus(p.apiUrl);
        ctx.measure('healthz while down', h);
        ctx.check(h === 'degraded', `/healthz said degraded while Redis was down (got ${h})`);
      },
      afterRestart: async (p, _load, upAt) => {
        let ok: number | undefined;
        for (let i = 0; i < 120 && ok === undefined; i++) {
          if ((await healthStatus(p.apiUrl)) === 'ok') ok = Date.now();
          else await new Promise((r) => setTimeout(r, 250));
        }
        ctx.measure('cache back after Redis start', secs(ok && ok - upAt));
        ctx.check(ok !== undefined, '/healthz said ok within 30 s of Redis starting');
      },
    });
  },
);
