/**
 * The Console's customer area in real Chromium against `faresight up --demo`: a customer
 * logs in with its API key (a wrong key is refused), the Market, Demand and Explore pages
 * draw their charts and map from the demo's data (the forecast with its bands once the
 * forecast job has run), a customer without grants is refused the ponds' data it is not
 * granted, and the operator Console refuses a customer key. Skips with the reason when
 * playwright-core or Chromium is missing; with CI=true that is a failure.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { filesNotServed } from '../ops/testing/files-not-served.js';
import {
  type DemoPlatform,
  launchChromium,
  loadPlaywright,
  startDemo,
} from './testing/chromium.js';
import { until } from './testing/until.js';

const { playwright, missing } = await loadPlaywright('the Console customer browser test');

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const GRANTED = ['fare_trends', 'airport_demand_weekly', 'market_demand_daily'];
/** Ponds and the forecast every few seconds, so the pages have their data within the test. */
const EVERY = '*/10 * * * * *';

/** Opens `#/page` afresh until `selector` is there (ponds fill while the test runs). */
async function drawn(page: Page, name: string, selector: string): Promise<void> {
  await until(
    `${selector} on the ${name} page`,
    async () => {
      await page.reload();
      await page.evaluate(`location.hash = '#/${name}'`);
      try {
        await page.waitForSelector(selector, { timeout: 15_000 });
        return true;
      } catch {
        return undefined;
      }
    },
    120_000,
  );
}

const drawnCount = (page: Page, selector: string) =>
  page.getAttribute(selector, 'data-drawn').then(Number);

describe('the Console customer area in Chromium', { skip: missing }, () => {
  it('logs a customer in, draws Market, Demand and Explore, refuses what is not granted', {
    timeout: 600_000,
  }, async () => {
    const adminKey = 'console-customer-test-admin-key';
    const demo: DemoPlatform = await startDemo(
      {
        api: { adminKeySha256: sha256(adminKey) },
        etl: {
          schedules: {
            ...Object.fromEntries(GRANTED.map((p) => [p, EVERY])),
            demand_forecast: '*/30 * * * * *',
          },
        },
      },
      ['--demo-history', '3000', '--seed', '11'],
    );
    const browser = await launchChromium(playwright as NonNullable<typeof playwright>, {
      viewport: { width: 1300, height: 900 },
    });
    const admin = async (path: string, body?: unknown) => {
      const r = await fetch(`${demo.apiUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      assert.equal(r.status, 200, `${path}: ${await r.clone().text()}`);
      return r.json() as Promise<{ key: string }>;
    };
    const sqlAs = (key: string, sql: string) =>
      fetch(`${demo.apiUrl}/v1/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql }),
      }).then((r) => r.status);
    try {
      const { key } = await admin('/admin/v1/customers', { name: 'insights' });
      for (const pond of GRANTED) await admin('/admin/v1/customers/insights/grants', { pond });
      const { key: bareKey } = await admin('/admin/v1/customers', { name: 'nogrant' });

      const page = await browser.context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      const notFound = filesNotServed(page);

      // the operator Console refuses a customer key, in the page and on the admin API
      await page.goto(`${demo.apiUrl}/console/`);
      await page.fill('#login-key', key);
      await page.click('#login button[type=submit]');
      await page.waitForSelector('#login-error:has-text("not the admin key")');
      const asCustomer = await fetch(`${demo.apiUrl}/admin/v1/customers`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(asCustomer.status, 401);

      // the customer area: a wrong key is refused, the customer's own key taken
      await page.goto(`${demo.apiUrl}/console/customer/`);
      await page.fill('#login-key', 'fsk_not-a-key');
      await page.click('#login button[type=submit]');
      await page.waitForSelector('#login-error:has-text("not a customer API key")');
      await page.fill('#login-key', key);
      await page.click('#login button[type=submit]');
      await page.waitForSelector('#nav');
      await page.waitForSelector('#me:has-text("insights: airport_demand_weekly")');

      // Market: the calendar as a colour grid and bars, the cheapest fares of a date, the
      // trend from the pond fare_trends, the deals table
      await drawn(page, 'market', '#fare-calendar .chart[data-drawn]');
      assert.ok((await page.$$('#fare-calendar .cell.priced')).length > 0, 'priced calendar cells');
      assert.ok((await drawnCount(page, '#fare-calendar .chart')) > 0);
      await page.waitForSelector('#cheapest .chart[data-drawn]');
      assert.ok((await drawnCount(page, '#cheapest .chart')) > 0);
      await page.waitForSelector('#deals table, #deals .empty');
      // the trend of a market the pond has one-way rows for, once it has
      const inPond = await until(
        'one-way rows in pond fare_trends',
        async () => {
          const r = await fetch(`${demo.apiUrl}/v1/sql`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              sql: "SELECT market FROM fare_trends WHERE trip_type = 'oneway' GROUP BY market ORDER BY count(*) DESC LIMIT 50",
            }),
          });
          if (r.status !== 200) return undefined;
          const rows = ((await r.json()) as { rows: { market: string }[] }).rows;
          const listed = (await page.evaluate(
            "[...document.querySelectorAll('#page select[name=market] option')].map((o) => o.value)",
          )) as string[];
          return rows.map((x) => x.market).find((m) => listed.includes(m));
        },
        180_000,
        2000,
      );
      await page.selectOption('#page select[name=market]', inPond);
      // the card asks again while the pond has no rows for the market (it may have been
      // the market shown first, loaded before the pond's first run for it)
      await page
        .waitForSelector('#trend-week .chart[data-drawn]', { timeout: 60_000 })
        .catch(async (err: Error) => {
          const card = await page.textContent('#fare-trend').catch(() => null);
          throw new Error(`${err.message}\nthe trend card of ${inPond} reads: ${card}`);
        });
      assert.ok((await drawnCount(page, '#trend-week .chart')) > 0);
      assert.ok((await drawnCount(page, '#trend-lead .chart')) > 0);

      // Demand: searches per day and the airport scorecard from the ponds
      await drawn(page, 'demand', '#scorecard .chart[data-drawn]');
      assert.ok((await drawnCount(page, '#scorecard-directions .chart')) > 0);
      assert.ok((await page.$$('#top-markets li')).length > 0, 'busiest markets listed');
      // once the forecast job has forecast a market: its history, forecast and both bands
      const markets = (await (await fetch(`${demo.apiUrl}/v1/markets?limit=30`)).json()) as {
        markets: { origin: string; destination: string }[];
      };
      const forecast = await until(
        'a market with a demand forecast',
        async () => {
          for (const m of markets.markets) {
            const r = await fetch(`${demo.apiUrl}/v1/markets/${m.origin}-${m.destination}/demand`);
            if (r.status === 200) return `${m.origin}-${m.destination}`;
          }
          return undefined;
        },
        240_000,
      );
      await page.reload();
      await page.evaluate(`location.hash = '#/demand'`);
      await page.waitForSelector(`#page select[name=market] option[value="${forecast}"]`, {
        state: 'attached',
      });
      await page.selectOption('#page select[name=market]', forecast);
      await page.waitForSelector(
        `#demand-forecast h2:has-text("${forecast}") ~ div .chart[data-drawn]`,
      );
      const series =
        (await page.getAttribute('#demand-forecast .chart', 'data-series'))?.split(',') ?? [];
      for (const s of ['searches', 'forecast', '80 % high', '95 % low'])
        assert.ok(series.includes(s), `forecast chart series: ${series.join(', ')}`);
      assert.ok((await drawnCount(page, '#demand-forecast .chart')) > 28);

      // Explore: destinations within the budget on the map; a click shows the routes
      await page.evaluate(`location.hash = '#/explore'`);
      await page.fill('#explore-form input[name=budget]', '5000');
      await page.press('#explore-form input[name=budget]', 'Tab');
      await page.waitForSelector('#explore-map .destination', { timeout: 60_000 });
      assert.ok(Number(await page.getAttribute('#explore-map', 'data-points')) > 0);
      await page.click('#explore-list tbody tr');
      await page.waitForSelector('#routes tbody tr', { timeout: 60_000 });

      // a customer without grants: the ponds' data is refused, in the page and the API
      assert.equal(await sqlAs(key, 'SELECT count(*) AS n FROM fare_trends'), 200);
      assert.equal(await sqlAs(bareKey, 'SELECT count(*) AS n FROM fare_trends'), 400);
      await page.click('#logout');
      await page.fill('#login-key', bareKey);
      await page.click('#login button[type=submit]');
      await page.waitForSelector('#me:has-text("nogrant: no pond granted")');
      await page.evaluate(`location.hash = '#/market'`);
      await page.waitForSelector('#fare-trend .error[data-status="400"]');
      assert.match((await page.textContent('#fare-trend')) ?? '', /Not available to your key/);
      assert.equal(await page.$('#fare-trend .chart'), null);
      await page.evaluate(`location.hash = '#/demand'`);
      await page.waitForSelector('#scorecard .error[data-status="400"]');
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(notFound, [], 'every file the page asks for is served');
    } finally {
      await browser.close();
      await demo.stop();
    }
  });
});
