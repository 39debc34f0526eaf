/**
 * A poison record per sink: records that a sink cannot take (a NUL in the id, which
 * PostgreSQL text refuses; a control character in a carrier code) posted into a running
 * platform under load. Ingest may refuse them up front (400, validation); if it accepts
 * them, each sink (lake, serving row store, deals) must set them aside (dead letter)
 * while the rest flows: a market first posted after the poison reaches the API, and the
 * lake holds every acknowledged normal record.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { waitForMarket } from '../api-probe.js';
import { Load, liveRecord } from '../load.js';
import { baseConfig, startPlatformChild } from '../platform-child.js';
import { countLake, runScenario, secs } from '../scenario.js';

/** How long a poison record may hold back the records behind it. */
const BUDGET_MS = 30_000;

await runScenario(
  'poison-record',
  `no crash; other records keep flowing: a market posted after the poison is served within ${BUDGET_MS / 1000} s; no acked record lost`,
  async ({ dir, check, measure }) => {
    const p = await startPlatformChild(dir, baseConfig(`${dir}/data`));
    try {
      const load = new Load(p.ingestUrl, 'normal').start();
      await delay(2000);
      const nul = liveRecord('poison\u0000nul');
      const ctrl = liveRecord('poison-ctrl');
      ctrl.offers[0]!.validatingCarrier = 'A\u0007';
      const answers: number[] = [];
      for (const rec of [nul, ctrl]) answers.push(await load.postOne(rec));
      measure('poison answered', answers.join(','));
      const postedAt = Date.now();
      load.market = ['ATL', 'MIA'];
      const seen = await waitForMarket(p.apiUrl, load.market, BUDGET_MS + 15_000);
      measure('next market served', secs(seen && seen - postedAt));
      check(
        seen !== undefined && seen - postedAt <= BUDGET_MS,
        `a market posted after the poison reached the API within ${BUDGET_MS / 1000} s (${secs(seen && seen - postedAt)})`,
      );
      await load.stop();
      let caughtUp = false;
      for (let i = 0; i < 45 && !caughtUp; i++) {
        const normal = new Set([...load.acked].filter((id) => id.startsWith('normal-')));
        caughtUp = (await countLake(p.config, normal)).missing === 0;
        if (!caughtUp) await delay(2000);
      }
      const alive = p.exitCode() === undefined;
      const code = await p.stop();
      const normal = new Set([...load.acked].filter((id) => id.startsWith('normal-')));
      const lake = await countLake(p.config, normal);
      measure('lake missing/dup', `${lake.missing}/${lake.duplicates}`);
      measure('fatal', p.fatals.length);
      check(alive, 'the platform kept running');
      check(p.fatals.length === 0, `no fatal line (${p.fatals[0] ?? ''})`);
      check(code === 0, `clean exit on SIGTERM (got ${code})`);
      check(lake.missing === 0, `${lake.missing} acknowledged records missing from the lake`);
      check(lake.duplicates === 0, `${lake.duplicates} duplicate rows in the lake`);
    } finally {
      if (p.exitCode() === undefined) p.kill();
    }
  },
);
