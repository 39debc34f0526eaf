/**
 * Redis down: the cache on a private redis-server that stops for 8 s and starts again
 * (empty: nothing is saved). The API keeps answering from the row store (cache read
 * through), ingest is unaffected, the serving use case keeps writing, and the lake holds
 * every acknowledged record once.
 */
import { randomBytes } from 'node:crypto';
import { probeApi, waitForMarket } from '../api-probe.js';
import { runOutage } from '../outage.js';
import { privateRedis } from '../private-services.js';
import { runScenario, secs } from '../scenario.js';

await runScenario(
  'redis-down',
  'no crash; API answers 200 from the row store while Redis is down; ingest and serving unaffected',
  async (ctx) => {
    const redis = await privateRedis();
    if (!redis) return ctx.skip('redis-server is not installed (Debian package redis-server)');
    await runOutage({
      ctx,
      server: redis,
      ingestDependsOnIt: false,
      configure: (base) => ({
        ...base,
        cache: {
          backend: 'redis',
          url: redis.url,
          prefix: `faults-${randomBytes(4).toString('hex')}:`,
        },
      }),
      whileDown: async (p, load) => {
        const answers = await probeApi(p.apiUrl, 6000);
        ctx.measure('API while down', JSON.stringify(answers));
        ctx.check(
          Object.keys(answers).every((s) => s === '200'),
          'the API answered 200 while Redis was down',
        );
        const since = Date.now();
        load.market = ['ORD', 'DEN'];
        const seen = await waitForMarket(p.apiUrl, load.market, 60_000);
        ctx.measure('new market served while down', secs(seen && seen - since));
        ctx.check(seen !== undefined, 'the serving use case kept writing while Redis was down');
      },
    });
  },
);
