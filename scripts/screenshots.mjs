#!/usr/bin/env node
// `npm run screenshots`: starts `faresight up --demo` on a fresh data directory (ports
// picked free), lets the demo feed run, opens each Console page, operator and customer,
// in Debian's Chromium (playwright-core) and writes docs/console/<page>.png. Nothing is
// downloaded. Runs through tsx (the npm script loads it) for the shared browser helper.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, loadPlaywright, startDemo } from '../src/cli/testing/chromium.ts';

const WARM_UP_MS = Number(process.env.WARM_UP_MS ?? 45_000);
const out = join(import.meta.dirname, '..', 'docs', 'console');
const { playwright, missing } = await loadPlaywright('screenshots');
if (missing) {
  console.error(`screenshots: ${missing}`);
  process.exit(1);
}
// ponds every 20 s, so the customer pages have their pond data within the warm-up
const every = '*/20 * * * * *';
const demo = await startDemo(
  {
    etl: {
      schedules: {
        market_demand_daily: every,
        airport_demand_weekly: every,
        fare_trends: every,
        carrier_share: every,
        demand_forecast: every,
      },
    },
  },
  ['--demo-history', '3000'],
);
// a refused payload for the dead-letter page (the demo feed posts only valid records)
await fetch(`${demo.ingestUrl}/v1/ingest/generic`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify([{ id: 'screenshot-bad', origin: 'JFK', destination: 'JFK', offers: [] }]),
});
let browser;
try {
  mkdirSync(out, { recursive: true });
  browser = await launchChromium(playwright, { viewport: { width: 1400, height: 900 } });
  const page = await browser.context.newPage();
  await page.goto(demo.consoleUrl);
  await page.waitForSelector('#nav:not([hidden])');
  console.log(`screenshots: demo feed running, waiting ${WARM_UP_MS / 1000} s for data`);
  await new Promise((r) => setTimeout(r, WARM_UP_MS));
  const shot = async (name) => {
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
    console.log(`screenshots: docs/console/${name}.png`);
  };
  for (const name of ['overview', 'dead-letters', 'stream', 'lake', 'etl', 'customers']) {
    await page.evaluate(`location.hash = '#/${name}'`);
    await page.waitForSelector(
      `#page[data-page="${name}"] ${name === 'overview' ? '.chart' : 'table'}`,
    );
    if (name === 'lake') {
      await page.click('#page form button[type=submit]');
      await page.waitForSelector('#sql-result table');
    }
    if (name === 'dead-letters' && (await page.$('#dl-list tbody tr'))) {
      await page.click('#dl-list tbody tr');
      await page.waitForSelector('#dl-detail pre');
    }
    await shot(name);
  }
  // the customer area, with a customer granted the ponds its pages read (made through
  // the operator's session, as the Customers page does)
  const key = await page.evaluate(
    async (ponds) => {
      const { csrf } = await (await fetch('/admin/v1/session')).json();
      const post = (path, body) =>
        fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify(body),
        }).then((r) => r.json());
      const added = await post('/admin/v1/customers', { name: 'screenshots' });
      for (const pond of ponds) await post('/admin/v1/customers/screenshots/grants', { pond });
      return added.key;
    },
    ['fare_trends', 'airport_demand_weekly', 'market_demand_daily'],
  );
  await page.goto(`${demo.apiUrl}/console/customer/`);
  await page.fill('#login-key', key);
  await page.click('#login button[type=submit]');
  const waits = {
    market: '#fare-calendar .chart, #fare-calendar .empty',
    demand: '#demand-forecast .chart, #demand-forecast .empty',
    explore: '#explore-map, #explore .empty',
  };
  for (const [name, selector] of Object.entries(waits)) {
    await page.evaluate(`location.hash = '#/${name}'`);
    await page.waitForSelector(`#page[data-page="${name}"]`);
    await page.waitForSelector(selector, { timeout: 60_000 });
    // a function, not a string: the page's CSP refuses eval
    await page.waitForFunction(
      () => !document.querySelector('#page').textContent.includes('loading'),
      undefined,
      { timeout: 60_000 },
    );
    await shot(`customer-${name}`);
  }
} finally {
  await browser?.close();
  await demo.stop();
}
