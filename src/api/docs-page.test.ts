/**
 * `/docs` (Swagger UI) in a real browser (Debian's Chromium through playwright-core) with
 * every request outside the API refused: the page must render every operation of the
 * document, the examples, and send a request, from the API alone (offline, no CDN), with
 * no error in the page under its Content-Security-Policy.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { INGEST_PATH, ingestOperations } from '../ingest/ingest-openapi.js';
import { silentLogger } from '../ops/logger.js';
import { waitInPage } from '../ops/testing/wait-in-page.js';
import { createApi } from './api.js';

const CHROMIUM = '/usr/bin/chromium';
const skip =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `no browser at ${CHROMIUM} (apt-get install chromium)`
    : false;

describe('the /docs page', { skip }, () => {
  it('renders every operation and its examples, and sends a request, with nothing fetched from elsewhere', {
    timeout: 120_000,
  }, async () => {
    const api = createApi({
      rowStore: {} as never,
      logger: silentLogger,
      deals: { deals: async () => [] },
      otherOperations: ingestOperations({ servers: [{ url: 'http://localhost:7070' }] }).filter(
        (o) => o.path === INGEST_PATH,
      ),
    });
    await api.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const elsewhere: string[] = [];
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(`${origin}/`)) return route.continue();
        elsewhere.push(url);
        return route.abort();
      });
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(e.message));
      const res = await page.goto(`${origin}/docs`);
      assert.match(String(res?.headers()['content-security-policy']), /script-src 'self'/);
      const doc = (await (await fetch(`${origin}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const operations = Object.values(doc.paths).reduce((n, p) => n + Object.keys(p).length, 0);
      // Swagger UI draws one block per operation (listed under each of its tags)
      await waitInPage(
        page,
        'every operation on the page',
        `new Set([...document.querySelectorAll('.opblock')].map((b) => b.id.replace(/^operations-[^-]+-/, ''))).size === ${operations}`,
      );
      // the ingest operation: the server it is sent to, and the example body
      const ingest = page.locator('.opblock', { hasText: INGEST_PATH }).first();
      await ingest.locator('.opblock-summary').first().click();
      await ingest.locator('.opblock-body').waitFor();
      assert.match(String(await ingest.textContent()), /localhost:7070/);
      assert.match(String(await ingest.textContent()), /"departureDate": "2026-12-20"/);
      // a GET of this process answers in the page ("Try it out" is on; Execute)
      const spec = page.locator('.opblock', { hasText: '/openapi.json' }).first();
      await spec.locator('.opblock-summary').first().click();
      await spec.locator('button.execute').click();
      await spec
        .locator('.live-responses-table .response-col_status', { hasText: '200' })
        .waitFor();
      assert.deepEqual(consoleErrors, [], 'no errors in the page (a CSP refusal is one)');
      assert.deepEqual(elsewhere, []);
    } finally {
      await browser.close();
      await api.close();
    }
  });
});
