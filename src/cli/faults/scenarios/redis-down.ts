/**
 * Redis down: the cache on a private redis-server that stops for 8 s and starts again
 * (empty: nothing is saved). The API keeps answering from the row store (cache read
 * through), ingest is unaffected, the serving use case keeps writing, and the lake holds
 * every acknowledged record once.
 */
import { checkApiAnswersWhileDown, waitForMarket } from '../api-probe.js';
import { runRedisOutage } from '../outage.js';
import { runScenario, secs } from '../scenario.js';

await runScenario(
  'redis-down',
  'no crash; API answers 200 from the row store while Redis is down; ingest and serving unaffected',
  async (ctx) => {
    await runRedisOutage(ctx, {
      whileDown: async (p, load) => {
        await checkApiAnswersWhileDown(ctx, p.apiUrl, 6000);
        const since = Date.now();
        load.market = ['ORD', 'DEN'];
        const seen = await waitForMarket(p.apiUrl, load.market, 60_000);
        ctx.measure('new market served while down', secs(seen && seen - since));
        ctx.check(seen !== undefined, 'the serving use case kept writing while Redis was down');
      },
    });
  },
);
