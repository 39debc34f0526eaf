/**
 * `/docs` in a real browser (Debian's Chromium through playwright-core) with every request
 * outside the API refused: the page must render every operation of the document, the
 * examples, and send a request, from the API alone (offline, no CDN).
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
      await page.goto(`${origin}/docs`);
      const doc = (await (await fetch(`${origin}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const operations = Object.values(doc.paths).reduce((n, p) => n + Object.keys(p).length, 0);
      await waitInPage(
        page,
        'every operation on the page',
        `document.querySelectorAll('.op').length === ${operations}`,
      );
      const ingest = page.locator('.op', { hasText: INGEST_PATH });
      assert.match(
        String(await ingest.textContent()),
        /Served by another process: http:\/\/localhost:7070/,
      );
      assert.match(String(await ingest.textContent()), /"departureDate": "2026-12-20"/);
      // a GET of this process answers in the page
      const spec = page.locator('.op', { hasText: '/openapi.json' });
      await spec.locator('button').click();
      await spec.locator('pre.result').filter({ hasText: '200 OK' }).waitFor();
      assert.deepEqual(elsewhere, []);
    } finally {
      await browser.close();
      await api.close();
    }
  });
});
