/**
 * `npm run bench -- console [--runs 3] [--requests 50] [--seconds 20] [--warmup 20]`:
 * what the Console costs, on `faresight up --demo` (a fresh data directory, the demo feed
 * running), in Debian's Chromium through playwright-core.
 *   1. Each operator page loaded afresh (about:blank, then the page's URL with the
 *      session cookie): first contentful paint and the time its data is drawn (a chart
 *      with drawn points, or its table, as seen by polling), from the navigation's start.
 *      Baseline: the same browser loading `GET /healthz`, timed the same way.
 *   2. The API side of a page refresh: latency of each admin route a page reads, beside
 *      `GET /healthz` on the same process, sequential requests.
 *   3. Live Overview tabs (server-sent events, a point every 2 s): CPU of the `up` process
 *      and ingest p50/p99 of one-record posts, with 5 tabs open beside none, measured one
 *      after the other in the same run.
 * Numbers are medians over `--runs` loads / `--requests` requests; ratios are what count.
 * `--tabs` sets how many Overview tabs phase 3 opens (default 5).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromium, loadPlaywright, startDemo } from '../src/cli/testing/chromium.js';
import { createGenerator } from '../src/generator/generator.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    requests: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '20' },
    tabs: { type: 'string', default: '5' },
  },
});
const RUNS = Number(values.runs);
const REQUESTS = Number(values.requests);
const SECONDS = Number(values.seconds);
const WARMUP_S = Number(values.warmup);
const TABS = Number(values.tabs);

const quantile = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
};
const median = (xs: readonly number[]) => quantile(xs, 0.5);
const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1).padStart(8) : '     n/a');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) the process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 Hz)
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Where each page's data is drawn. */
const PAGES: Record<string, string> = {
  overview: '#page[data-page="overview"] .chart[data-drawn]:not([data-drawn="0"])',
  'dead-letters': '#page[data-page="dead-letters"] table',
  stream: '#page[data-page="stream"] table',
  messages: '#msg-list table',
  lake: '#page[data-page="lake"] table',
  etl: '#page[data-page="etl"] table',
  customers: '#page[data-page="customers"] table',
};

/** The admin routes each page reads on a refresh (Overview: its snapshot). */
const ROUTES: [string, string][] = [
  ['overview', '/admin/v1/metrics?window=15m'],
  ['overview 24h', '/admin/v1/metrics?window=24h'],
  ['dead-letters', '/admin/v1/dead-letters?limit=100'],
  ['stream', '/admin/v1/stream'],
  ['messages', '/admin/v1/messages?limit=50'],
  ['lake', '/admin/v1/lake/tables'],
  ['etl', '/admin/v1/etl/jobs'],
  ['customers', '/admin/v1/customers'],
];

const { playwright, missing } = await loadPlaywright('the console bench');
if (!playwright) {
  console.error(`console bench: ${missing}`);
  process.exit(1);
}
const demo = await startDemo({ logLevel: 'warn' });
const key = decodeURIComponent(/#key=([^&]+)/.exec(demo.consoleUrl)?.[1] ?? '');
if (!key) throw new Error(`no admin key in the banner's console link ${demo.consoleUrl}`);
const browser = await launchChromium(playwright, { viewport: { width: 1400, height: 900 } });
try {
  console.log(`console bench: demo running (pid ${demo.pid}), warming up ${WARMUP_S} s`);
  const page = await browser.context.newPage();
  await page.goto(demo.consoleUrl);
  await page.waitForSelector('#nav:not([hidden])');
  await sleep(WARMUP_S * 1000);

  // 1. page loads
  const load = async (url: string, selector?: string) => {
    await page.goto('about:blank');
    await page.goto(url);
    if (selector) await page.waitForSelector(selector, { timeout: 60_000 });
    return page.evaluate(() => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime;
      return { fcp: fcp ?? Number.NaN, ready: performance.now() };
    });
  };
  console.log('\n1. page loads in Chromium, ms from navigation start (median of %d)', RUNS);
  console.log(`${'page'.padEnd(16)}${'first paint'.padStart(12)}${'data drawn'.padStart(12)}`);
  // Interleaved run by run, so a drifting load weighs on every page alike.
  const targets: [string, string, string][] = [
    ['GET /healthz', `${demo.apiUrl}/healthz`, 'body'],
    ...Object.entries(PAGES).map(
      ([name, selector]) =>
        [name, `${demo.apiUrl}/console/#/${name}`, selector] as [string, string, string],
    ),
  ];
  const loads = targets.map(() => [] as { fcp: number; ready: number }[]);
  for (let i = 0; i < RUNS; i++)
    for (const [k, [, url, selector]] of targets.entries())
      loads[k]!.push(await load(url, selector));
  for (const [k, [name]] of targets.entries()) {
    const xs = loads[k]!;
    console.log(
      `${name.padEnd(16)}${f(median(xs.map((x) => x.fcp)))}    ${f(median(xs.map((x) => x.ready)))}`,
    );
  }

  // 2. the API side of a refresh
  const get = async (path: string) => {
    const t = performance.now();
    const res = await fetch(`${demo.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return performance.now() - t;
  };
  console.log(
    `\n2. API latency of a page refresh, ms (${REQUESTS} requests per route, routes interleaved)`,
  );
  console.log(`${'route'.padEnd(16)}${'p50'.padStart(8)}${'p99'.padStart(9)}  x healthz p50`);
  const routes: [string, string][] = [['GET /healthz', '/healthz'], ...ROUTES];
  const lats = routes.map(() => [] as number[]);
  for (let i = 0; i < REQUESTS; i++)
    for (const [k, [, path]] of routes.entries()) lats[k]!.push(await get(path));
  const b50 = median(lats[0]!);
  for (const [k, [name, path]] of routes.entries()) {
    const lat = lats[k]!;
    console.log(
      `${name.padEnd(16)}${f(median(lat))} ${f(quantile(lat, 0.99))}  ${(median(lat) / b50).toFixed(1).padStart(6)}  ${k > 0 ? path : ''}`,
    );
  }

  // 3. live Overview tabs: the up process's CPU and ingest latency, none beside TABS
  await page.goto('about:blank');
  const gen = createGenerator({ seed: 7 });
  const phase = async () => {
    const lat: number[] = [];
    const cpu0 = cpuSeconds(demo.pid);
    const t0 = performance.now();
    while (performance.now() - t0 < SECONDS * 1000) {
      const t = performance.now();
      const res = await fetch(`${demo.ingestUrl}/v1/ingest/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(gen.next(new Date())),
      });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
      lat.push(performance.now() - t);
      await sleep(20);
    }
    const cpu = (cpuSeconds(demo.pid) - cpu0) / ((performance.now() - t0) / 1000);
    return { cpu, p50: median(lat), p99: quantile(lat, 0.99), n: lat.length };
  };
  console.log(
    `\n3. live Overview tabs (SSE), ${SECONDS} s each: up's CPU and ingest latency of one-record posts`,
  );
  console.log(
    `${'tabs'.padEnd(16)}${'CPU %'.padStart(8)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}  posts`,
  );
  const show = (name: string, r: Awaited<ReturnType<typeof phase>>) =>
    console.log(`${name.padEnd(16)}${f(100 * r.cpu)} ${f(r.p50)} ${f(r.p99)}  ${r.n}`);
  show('none', await phase());
  const tabs = [];
  for (let i = 0; i < TABS; i++) {
    const tab = await browser.context.newPage();
    await tab.goto(`${demo.apiUrl}/console/#/overview`);
    await tab.waitForSelector(PAGES.overview!, { timeout: 60_000 });
    tabs.push(tab);
  }
  show(`${TABS} Overview tabs`, await phase());
  for (const tab of tabs) await tab.close();
  show('none again', await phase());
} finally {
  await browser.close();
  await demo.stop();
}
