/**
 * The Console in real Chromium (Debian's /usr/bin/chromium through playwright-core)
 * against a running platform on the embedded defaults: log in, see the Overview draw
 * ingest data, find a rejected record among the dead letters, re-drive it once its cause
 * is gone and find it in the lake, rewind a group behind its confirmation. Also the admin
 * API's refusals (a customer key, a session without its CSRF token). Skips with the
 * reason when playwright-core or Chromium is missing; with CI=true that is a failure.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { createGenerator } from '../generator/generator.js';
import { silentLogger } from '../ops/logger.js';
import { filesNotServed } from '../ops/testing/files-not-served.js';
import { waitInPage } from '../ops/testing/wait-in-page.js';
import { startPlatform } from './platform.js';
import { launchChromium, loadPlaywright } from './testing/chromium.js';
import { until } from './testing/until.js';

const { playwright, missing } = await loadPlaywright('the Console browser test');

const dataDir = mkdtempSync(join(tmpdir(), 'fs-console-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the Console in Chromium', { skip: missing }, () => {
  it('logs in, charts ingest, shows a rejected record, re-drives it and rewinds a group', {
    timeout: 240_000,
  }, async () => {
    const adminKey = 'console-test-admin-key';
    const config = configSchema.parse({
      dataDir,
      ingest: { host: '127.0.0.1', port: 0, statsIntervalSeconds: 1 },
      api: { host: '127.0.0.1', port: 0, adminKeySha256: sha256(adminKey) },
      sql: { host: '127.0.0.1', port: 0 },
      // no lead of shoppedAt over receivedAt: a record shopped "in the future" is refused
      // now and accepted once that moment has passed (the cause of its rejection gone)
      validation: { maxClockSkewSeconds: 0 },
      realtime: { batch: { periodMs: 100 } },
      lake: { batch: { periodMs: 200 }, rotateSeconds: 1, compactEveryMinutes: 0 },
    });
    const platform = await startPlatform(config, silentLogger, { consoleSampleMs: 500 });
    const browser = await launchChromium(playwright as NonNullable<typeof playwright>);
    const { context } = browser;
    const gen = createGenerator({ seed: 7 });
    const post = (body: unknown) =>
      fetch(`${platform.ingestUrl}/v1/ingest/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // a steady feed while the page is open, so the rate charts have points
    let feeding = true;
    const feed = (async () => {
      while (feeding) {
        const res = await post(Array.from({ length: 20 }, () => gen.next(new Date())));
        assert.equal(res.status, 202);
        await sleep(200);
      }
    })();
    const admin = (path: string, init: RequestInit = {}) =>
      fetch(`${platform.apiUrl}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${adminKey}`,
          'content-type': 'application/json',
          ...init.headers,
        },
      });
    try {
      assert.ok(platform.consoleUrl, 'the Console runs when an admin key is configured');

      // the admin API refuses a customer's key, and a session action without its CSRF token
      const added = await admin('/admin/v1/customers', {
        method: 'POST',
        body: JSON.stringify({ name: 'acme' }),
      });
      assert.equal(added.status, 200);
      const { key: customerKey } = (await added.json()) as { key: string };
      const asCustomer = await fetch(`${platform.apiUrl}/admin/v1/stream`, {
        headers: { authorization: `Bearer ${customerKey}` },
      });
      assert.equal(asCustomer.status, 401);
      const login = await fetch(`${platform.apiUrl}/admin/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: adminKey }),
      });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
      assert.match(login.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
      const noCsrf = await fetch(`${platform.apiUrl}/admin/v1/customers`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'mallory' }),
      });
      assert.equal(noCsrf.status, 403);

      // a record shopped 20 s from now: refused (clock skew), so a dead letter
      // (without receivedAt: ingest stamps it, at each post)
      const { receivedAt: _stamped, ...record } = gen.next(new Date());
      const shoppedAt = Date.now() + 20_000;
      const future = {
        ...record,
        id: `console-redrive-${Date.now()}`,
        shoppedAt: new Date(shoppedAt).toISOString(),
      };
      const refused = await post([future]);
      const refusedBody = (await refused.json()) as { accepted: number; rejected: unknown[] };
      assert.equal(refusedBody.accepted, 0, JSON.stringify(refusedBody));

      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      const notFound = filesNotServed(page);
      const go = (hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      await page.goto(platform.consoleUrl);
      await page.fill('#login-key', 'wrong key');
      await page.click('#login button[type=submit]');
      await page.waitForSelector('#login-error:has-text("not the admin key")');
      await page.fill('#login-key', adminKey);
      await page.click('#login button[type=submit]');
      await page.waitForSelector('#nav:not([hidden])');

      // Overview: the records/s chart draws points from the live feed (SSE): uPlot has
      // drawn its values on its canvas
      await waitInPage(
        page,
        'the records/s chart drawn',
        `(() => {
          const chart = document.querySelector('#chart-records .chart');
          return Number(chart && chart.getAttribute('data-drawn')) >= 2 &&
            chart.querySelector('canvas') !== null;
        })()`,
      );
      const series =
        (await page.getAttribute('#chart-records .chart', 'data-series'))?.split(',') ?? [];
      assert.ok(series.includes('generic'), `records/s series: ${series.join(', ')}`);
      await waitInPage(
        page,
        'a point on the rejections chart',
        `Number(document.querySelector('#chart-rejections .chart')?.getAttribute('data-points')) >= 1`,
      );

      // Dead letters: the refused record shows (once the lake writer has written it)
      let n = 0;
      await until('the dead letter in the Console', async () => {
        await go(`#/dead-letters?vendor=generic&n=${n++}`);
        await page.waitForSelector('#dl-list table', { timeout: 30_000 });
        const text = await page.textContent('#dl-list');
        return text?.includes('generic') && text.includes('ingest') ? true : undefined;
      });
      await page.click('#dl-list tbody tr');
      await page.waitForSelector('#dl-payload');
      assert.match((await page.textContent('#dl-payload')) ?? '', new RegExp(future.id));

      // re-drive once the moment it was shopped has passed: ingest accepts it now
      await sleep(Math.max(0, shoppedAt + 1000 - Date.now()));
      await page.click('#redrive');
      await page.waitForSelector('#redrive-outcome [data-status]');
      const outcome = await page.textContent('#redrive-outcome');
      assert.equal(
        await page.getAttribute('#redrive-outcome [data-status]', 'data-status'),
        '202',
        outcome ?? '',
      );
      assert.equal(await page.getAttribute('#redrive-outcome [data-status]', 'data-accepted'), '1');
      // its effect in the platform: the record reaches the lake (a loaded machine may
      // take a while; a timeout says what the lake answered and what the writer did)
      let lastAnswer = '';
      await until(
        'the re-driven record in the lake',
        async () => {
          const r = await admin('/admin/v1/lake/sql', {
            method: 'POST',
            body: JSON.stringify({
              sql: `SELECT count(*) AS n FROM searches WHERE id = '${future.id}'`,
            }),
          });
          const text = await r.text();
          lastAnswer = `${r.status} ${text.slice(0, 300)}; writer ${JSON.stringify(platform.lake.stats())}; lag ${JSON.stringify(await platform.stream.lag())}`;
          const body = JSON.parse(text) as { rows?: { n: number }[] };
          return Number(body.rows?.[0]?.n) === 1 ? true : undefined;
        },
        180_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: last answer ${lastAnswer}`);
      });

      // Stream: rewind the lake group behind a confirmation that says what is re-read
      await go('#/stream');
      await page.waitForSelector('#rewind-form');
      await page.selectOption('#rewind-form select[name=group]', 'lake');
      await page.click('#rewind-form button[type=submit]');
      await page.waitForSelector('#rewind-confirm-button');
      assert.match(
        (await page.textContent('#rewind-confirm')) ?? '',
        /re-reads every record received from/,
      );
      await page.click('#rewind-confirm-button');
      await page.waitForSelector('#rewind-done');

      // Messages: the re-driven record, found by its id in the stream, decoded with its offers
      await go(`#/messages?id=${encodeURIComponent(future.id)}`);
      await page.waitForSelector('#msg-list table');
      await page.click('#msg-list tbody tr');
      const decoded = JSON.parse((await page.textContent('#msg-json')) ?? '{}') as {
        id?: string;
        offers?: unknown[];
      };
      assert.equal(decoded.id, future.id);
      assert.equal(decoded.offers?.length, future.offers.length);

      // Dead letters: counts over time drawn; a filtered re-drive shows each one's outcome
      page.on('dialog', (d) => void d.accept());
      await go('#/dead-letters?vendor=generic&stage=ingest');
      await page.waitForSelector('#chart-dl-counts .chart');
      assert.ok(Number(await page.getAttribute('#chart-dl-counts .chart', 'data-points')) >= 1);
      await page.click('#redrive-all');
      await page.waitForSelector('#redrive-all-outcome table');
      assert.match((await page.textContent('#redrive-all-outcome')) ?? '', /1 re-driven/);

      // ETL: a run started from the page, watched to its outcome, is in the platform's history
      await go('#/etl');
      await page.waitForSelector('#etl-start');
      await page.selectOption('#etl-start select[name=job]', 'market_demand_daily');
      await page.click('#etl-start button[type=submit]');
      await page.waitForSelector('#etl-operation [data-status="succeeded"]', { timeout: 120_000 });
      const runs = (await (await admin('/admin/v1/etl/runs?job=market_demand_daily')).json()) as {
        runs: { status: string }[];
      };
      assert.ok(runs.runs.some((r) => r.status === 'succeeded'));
      const today = new Date().toISOString().slice(0, 10);
      await page.fill('#etl-start input[name=from]', today);
      await page.fill('#etl-start input[name=to]', today);
      await page.click('#etl-start button[type=submit]');
      await page.waitForSelector('#etl-operation [data-status="succeeded"]:has-text("backfill")', {
        timeout: 120_000,
      });

      // Lake: compaction and lifecycle state, and a CSV download of the SQL result
      await go('#/lake');
      await page.waitForSelector('#lake-state table');
      await page.fill('#sql', 'SELECT id FROM searches ORDER BY id');
      await page.click('#page form button[type=submit]');
      await page.waitForSelector('#download-csv');
      const href = await page.getAttribute('#download-csv', 'href');
      const csv = (await page.evaluate(
        `fetch(${JSON.stringify(href)}).then((r) => r.text())`,
      )) as string;
      assert.equal(csv.split('\n')[0], 'id');
      assert.ok(csv.includes(future.id));

      // the other pages load without an error
      for (const p of ['lake', 'etl', 'customers']) {
        await go(`#/${p}`);
        await page.waitForSelector(`#page[data-page="${p}"] table`);
        assert.equal(
          await page.$(`#page[data-page="${p}"] .error`),
          null,
          `${p} page shows an error`,
        );
      }
      assert.match((await page.textContent('#page')) ?? '', /acme/);

      // Customers: rotating acme's key shows the new one once; the platform takes only it
      const sqlAs = (key: string) =>
        fetch(`${platform.apiUrl}/v1/sql`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sql: 'SELECT 1 AS one' }),
        }).then((r) => r.status);
      assert.notEqual(await sqlAs(customerKey), 401);
      await page.click('button.rotate[data-customer="acme"]');
      await page.waitForSelector('#new-key');
      const rotated = (await page.textContent('#new-key')) ?? '';
      assert.match(rotated, /^fsk_/);
      assert.equal(await sqlAs(customerKey), 401, 'the old key is refused after rotation');
      assert.notEqual(await sqlAs(rotated), 401);
      // grant a pond narrowed to one market, then revoke it: each checked in the platform
      const grantsOfAcme = async () => {
        const r = (await (await admin('/admin/v1/customers')).json()) as {
          customers: { name: string; grants: { pond: string; markets?: string[] }[] }[];
        };
        return r.customers.find((c) => c.name === 'acme')?.grants ?? [];
      };
      await page.selectOption('#customer-grant select[name=customer]', 'acme');
      await page.fill('#customer-grant input[name=pond]', 'fare_trends');
      await page.fill('#customer-grant input[name=markets]', 'JFK-LAX');
      await page.click('#customer-grant button[type=submit]');
      await page.waitForSelector('.grant:has-text("fare_trends [JFK-LAX]")');
      assert.deepEqual(await grantsOfAcme(), [{ pond: 'fare_trends', markets: ['JFK-LAX'] }]);
      await page.click('.grant:has-text("fare_trends") button');
      await page.waitForSelector('.grant', { state: 'detached' });
      assert.deepEqual(await grantsOfAcme(), []);

      // a customer job saved from the page is in the platform, and removed again
      const jobsOfAcme = async () => {
        const r = (await (await admin('/admin/v1/customers')).json()) as {
          customers: { name: string; jobs: { name: string; schedule: string }[] }[];
        };
        return r.customers.find((c) => c.name === 'acme')?.jobs ?? [];
      };
      await page.selectOption('#customer-job select[name=customer]', 'acme');
      await page.fill('#customer-job input[name=name]', 'daily_count');
      await page.fill('#customer-job input[name=schedule]', '15 3 * * *');
      await page.fill('#customer-job textarea[name=sql]', 'SELECT 1 AS one');
      await page.click('#customer-job button[type=submit]');
      await page.waitForSelector('.customer-job:has-text("daily_count")');
      assert.deepEqual(await jobsOfAcme(), [{ name: 'daily_count', schedule: '15 3 * * *' }]);
      await page.click('.customer-job:has-text("daily_count") button');
      await page.waitForSelector('.customer-job', { state: 'detached' });
      assert.deepEqual(await jobsOfAcme(), []);

      // Stream page draws the lag of the groups from the sampler
      await go('#/stream');
      await page.waitForSelector('#chart-stream-lag .chart[data-drawn]');
      assert.ok(Number(await page.getAttribute('#chart-stream-lag .chart', 'data-drawn')) > 0);
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(notFound, [], 'every file the page asks for is served');
    } finally {
      feeding = false;
      await feed.catch(() => {});
      await browser.close();
      await platform.stop();
    }
  });
});
