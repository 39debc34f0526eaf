#!/usr/bin/env node
// `npm run screenshots`: starts `faresight up --demo` on a fresh data directory (ports
// picked free), lets the demo feed run, opens each Console page in Debian's Chromium
// (playwright-core) and writes docs/console/<page>.png. Nothing is downloaded.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WARM_UP_MS = Number(process.env.WARM_UP_MS ?? 45_000);
const out = join(import.meta.dirname, '..', 'docs', 'console');
const { chromium } = await import('playwright-core').catch(() => {
  console.error('screenshots: playwright-core is missing (npm install -D playwright-core)');
  process.exit(1);
});
if (!existsSync(CHROMIUM)) {
  console.error(
    `screenshots: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`,
  );
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'fs-screenshots-'));
const config = join(dir, 'config.json');
writeFileSync(
  config,
  JSON.stringify({
    dataDir: join(dir, 'data'),
    ingest: { port: 0 },
    api: { port: 0 },
    sql: { port: 0 },
  }),
);
const up = spawn(
  process.execPath,
  ['bin/faresight.mjs', '--config', config, 'up', '--demo', '--demo-history', '2000'],
  { stdio: ['ignore', 'pipe', 'inherit'], cwd: join(import.meta.dirname, '..') },
);
const { consoleUrl, ingestUrl } = await new Promise((resolve, reject) => {
  let text = '';
  up.stdout.on('data', (b) => {
    text += b;
    const c = /console (http\S+)/.exec(text);
    const i = /ingest {2}(http\S+)\/v1\/ingest/.exec(text);
    if (c && i) resolve({ consoleUrl: c[1], ingestUrl: i[1] });
  });
  up.once('exit', (code) => reject(new Error(`faresight up exited with ${code}`)));
});
// a refused payload for the dead-letter page (the demo feed posts only valid records)
await fetch(`${ingestUrl}/v1/ingest/generic`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify([{ id: 'screenshot-bad', origin: 'JFK', destination: 'JFK', offers: [] }]),
});
let context;
try {
  mkdirSync(out, { recursive: true });
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await context.newPage();
  await page.goto(consoleUrl);
  await page.waitForSelector('#nav:not([hidden])');
  console.log(`screenshots: demo feed running, waiting ${WARM_UP_MS / 1000} s for data`);
  await new Promise((r) => setTimeout(r, WARM_UP_MS));
  for (const name of ['overview', 'dead-letters', 'stream', 'lake', 'etl', 'customers']) {
    await page.evaluate(`location.hash = '#/${name}'`);
    await page.waitForSelector(
      `#page[data-page="${name}"] ${name === 'overview' ? 'svg' : 'table'}`,
    );
    if (name === 'lake') {
      await page.click('#page form button[type=submit]');
      await page.waitForSelector('#sql-result table');
    }
    if (name === 'dead-letters' && (await page.$('#dl-list tbody tr'))) {
      await page.click('#dl-list tbody tr');
      await page.waitForSelector('#dl-detail pre');
    }
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
    console.log(`screenshots: docs/console/${name}.png`);
  }
} finally {
  await context?.close();
  up.kill('SIGTERM');
  await new Promise((r) => up.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
