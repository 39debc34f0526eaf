/**
 * PostgreSQL restarted mid-run: the row store (and the ETL queue) on a private
 * PostgreSQL that stops for 8 s (fast shutdown, clients cut off) and starts again. Ingest
 * is unaffected, the API answers errors (not hangs) while the row store is gone, the
 * serving use case resumes by itself (a market first posted after the restart appears in
 * the API), and the lake holds every acknowledged record once.
 */
import { apiStatus, probeApi, waitForMarket } from '../api-probe.js';
import { runOutage } from '../outage.js';
import { privatePostgres } from '../private-services.js';
import { runScenario, secs } from '../scenario.js';

await runScenario(
  'postgres-restart',
  'no crash; ingest unaffected; API answers (5xx) while down; serving resumes by itself; no acked record lost',
  async (ctx) => {
    const pg = await privatePostgres(ctx.dir);
    if (!pg) return ctx.skip('PostgreSQL server binaries are not installed');
    await runOutage({
      ctx,
      server: pg,
      ingestDependsOnIt: false,
      configure: (base) => ({ ...base, rowStore: { backend: 'postgres', url: pg.url } }),
      whileDown: async (p) => {
        const answers = await probeApi(p.apiUrl, 6000);
        ctx.measure('API while down', JSON.stringify(answers));
        ctx.check(!answers[0], 'the API answered every request while PostgreSQL was down');
      },
      afterRestart: async (p, load, upAt) => {
        load.market = ['SFO', 'SEA'];
        const seen = await waitForMarket(p.apiUrl, load.market);
        ctx.measure('serving resumed', secs(seen === undefined ? undefined : seen - upAt));
        ctx.check(seen !== undefined, 'a market posted after the restart reached the API');
        ctx.check(
          (await apiStatus(p.apiUrl, '/v1/markets')) === 200,
          'the API answers 200 again after the restart',
        );
      },
    });
  },
);
