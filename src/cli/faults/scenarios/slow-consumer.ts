/**
 * A slow consumer: a second consumer group on the shopping stream (another process, the
 * embedded stream's SQLite file shared) that reads one small batch every 5 s while vendors
 * post steadily. Ingest, the lake writer and the real-time use cases must not slow down with it:
 * every post is accepted, a new market is served as usual, and the lake catches up.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { openTestStream } from '../../../lake/testing/test-stream.js';
import { streamDir } from '../../compose/stream.js';
import { waitForMarket } from '../api-probe.js';
import { Load } from '../load.js';
import { baseConfig, startPlatformChild } from '../platform-child.js';
import { countLake, runScenario, secs } from '../scenario.js';

const RUN_MS = 15_000;

await runScenario(
  'slow-consumer',
  'other traffic unaffected: every post accepted, a new market served, the lake caught up; the slow group only lags',
  async ({ dir, check, measure }) => {
    const p = await startPlatformChild(dir, baseConfig(`${dir}/data`));
    const stream = await openTestStream(streamDir(p.config), 'shopping', { shards: 2 });
    let slowRead = 0;
    let stopSlow = false;
    const slow = (async () => {
      const c = await stream.consumer('faults-slow', { count: 10, bytes: 1 << 20, periodMs: 100 });
      try {
        while (!stopSlow) {
          const b = await c.read();
          slowRead += b.records.length;
          await delay(5000);
          await c.commit(b);
        }
      } finally {
        await c.close();
      }
    })();
    try {
      const load = new Load(p.ingestUrl, 'slow').start();
      await delay(RUN_MS / 2);
      const since = Date.now();
      load.market = ['SEA', 'PDX'];
      const seen = await waitForMarket(p.apiUrl, load.market, 60_000);
      await delay(Math.max(0, RUN_MS / 2 - (Date.now() - since)));
      await load.stop();
      let caughtUp: number | undefined;
      const stoppedAt = Date.now();
      for (let i = 0; i < 45; i++) {
        if ((await countLake(p.config, load.acked)).missing === 0) {
          caughtUp = Date.now();
          break;
        }
        await delay(2000);
      }
      const lag = (await stream.lag('faults-slow')).reduce((n, l) => n + l.records, 0);
      stopSlow = true;
      await slow;
      const code = await p.stop();
      const counts = load.counts();
      measure('posts', JSON.stringify(counts));
      measure('slow group read/lag', `${slowRead}/${lag}`);
      measure('new market served', secs(seen && seen - since));
      measure('lake caught up after load', secs(caughtUp && caughtUp - stoppedAt));
      measure('fatal', p.fatals.length);
      check(
        load.unexpected() === 0 && !counts[503],
        `every post accepted (${JSON.stringify(counts)})`,
      );
      check(seen !== undefined, 'a new market reached the API while the slow group lagged');
      check(caughtUp !== undefined, 'the lake caught up');
      check(lag > 0, 'the slow group did lag (the scenario tested something)');
      check(p.fatals.length === 0, `no fatal line (${p.fatals[0] ?? ''})`);
      check(code === 0, `clean exit on SIGTERM (got ${code})`);
    } finally {
      stopSlow = true;
      await slow.catch(() => undefined);
      await stream.close();
      if (p.exitCode() === undefined) p.kill();
    }
  },
);
