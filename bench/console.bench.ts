/**
 * `npm run bench -- console [--runs 3] [--requests 50] [--seconds 20] [--warmup 20]
 *   [--tabs 5] [--pairs 3] [--history N] [--catch-up 60] [--pin-chromium CPUS]`:
 * what the Console costs, on `faresight up --demo` (a fresh data directory, the demo feed
 * running, its history feed of `--history` searches, default the demo's 30,000, posted
 * before anything is measured, then up to `--catch-up` seconds for the lake writer to
 * read them), in Debian's Chromium through playwright-core.
 *   1. Each operator page loaded afresh (about:blank, then the page's URL with the
 *      session cookie): first contentful paint and the time its data is drawn (a chart
 *      with drawn points, or its table, as seen by polling), from the navigation's start.
 *      Baseline: the same browser loading `GET /healthz`, timed the same way.
 *   2. The API side of a page refresh: latency of each admin route a page reads, beside
 *      `GET /healthz` on the same process, sequential requests.
 *   3. The platform's side of `--tabs` live Overview tabs, without a browser: as many light
 *      HTTP clients, each loading what a tab loads (the page, its scripts and styles, the
 *      session) and then reading the Overview's server-sent events, beside none,
 *      interleaved `--pairs` times (none, clients, none, clients...): CPU of the `up`
 *      process and ingest p50/p99 of one-record posts.
 *   4. The same with `--tabs` Overview tabs in Chromium (none, tabs, none again): this
 *      includes the browser drawing the charts on the same machine; Chromium's own CPU is
 *      given beside. `--pin-chromium 1` pins Chromium's processes to those CPUs (taskset).
 * Numbers are medians over `--runs` loads / `--requests` requests; ratios are what count.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
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
    pairs: { type: 'string', default: '3' },
    history: { type: 'string' },
    'catch-up': { type: 'string', default: '60' },
    'pin-chromium': { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const REQUESTS = Number(values.requests);
const SECONDS = Number(values.seconds);
const WARMUP_S = Number(values.warmup);
const TABS = Number(values.tabs);
const PAIRS = Number(values.pairs);
const HISTORY = values.history === undefined ? undefined : Number(values.history);
const PIN = values['pin-chromium'];
const CATCH_UP_S = Number(values['catch-up']);
/** Lake writer lag, records, under which the history counts as read (the live feed posts 50/s). */
const LAKE_LAG_CAUGHT_UP = 1000;

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

/** `root` and every process under it, from /proc (Linux). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // the process ended while listed
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** CPU seconds of each of `pids` still running. */
function cpuOf(pids: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of pids) {
    try {
      m.set(pid, cpuSeconds(pid));
    } catch {
      // ended
    }
  }
  return m;
}

const loadAverage = () =>
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`;

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
  ['dl counts', '/admin/v1/dead-letters/counts?bucket=hour'],
  ['stream', '/admin/v1/stream'],
  ['messages', '/admin/v1/messages?limit=50'],
  ['lake', '/admin/v1/lake/tables'],
  ['lake state', '/admin/v1/lake/state'],
  ['etl', '/admin/v1/etl/jobs'],
  ['customers', '/admin/v1/customers'],
];

const { playwright, missing } = await loadPlaywright('the console bench');
if (!playwright) {
  console.error(`console bench: ${missing}`);
  process.exit(1);
}
// The demo's history feed logs `feed stopped` when it has posted its searches; the live
// feed runs until `up` stops. Only warnings and errors of `up` are shown.
let historyDone: () => void = () => {};
const historyPosted = new Promise<void>((r) => {
  historyDone = r;
});
const demo = await startDemo(
  { logLevel: 'info' },
  HISTORY === undefined ? [] : ['--demo-history', String(HISTORY)],
  (line) => {
    if (/^\S+ (warn|error)/.test(line)) console.error(line);
    if (/\[feed\] feed (stopped|failed)/.test(line)) historyDone();
  },
);
const key = decodeURIComponent(/#key=([^&]+)/.exec(demo.consoleUrl)?.[1] ?? '');
if (!key) throw new Error(`no admin key in the banner's console link ${demo.consoleUrl}`);
const auth = { authorization: `Bearer ${key}` };
const historyStart = performance.now();
if (HISTORY !== 0) await historyPosted;
console.log(
  `console bench: demo running (pid ${demo.pid}), history of ${HISTORY ?? 'the default'} searches posted in ${((performance.now() - historyStart) / 1000).toFixed(0)} s`,
);
// ... and, for at most --catch-up seconds, the lake writer reads them (its lag back to
// what the live feed keeps): on 2 shared cores it writes far fewer records a second than
// the history posts, so the lag left when measuring starts is printed.
const lakeLag = async () => {
  const res = await fetch(`${demo.apiUrl}/admin/v1/stream`, { headers: auth });
  const { lag } = (await res.json()) as { lag: { group: string; records: number }[] };
  return lag.filter((l) => l.group === 'lake').reduce((n, l) => n + l.records, 0);
};
const catchUpStart = performance.now();
let lag = await lakeLag();
while (lag > LAKE_LAG_CAUGHT_UP && performance.now() - catchUpStart < CATCH_UP_S * 1000) {
  await sleep(2000);
  lag = await lakeLag();
}
console.log(
  `console bench: measuring ${((performance.now() - historyStart) / 1000).toFixed(0)} s after start, the lake writer ${lag} records behind the stream`,
);
const browser = await launchChromium(playwright, { viewport: { width: 1400, height: 900 } });
try {
  if (PIN) {
    for (const pid of processTree(process.pid).filter((p) => !processTree(demo.pid).includes(p)))
      if (pid !== process.pid) execFileSync('taskset', ['-a', '-p', '-c', PIN, String(pid)]);
    console.log(`console bench: Chromium pinned to CPUs ${PIN}`);
  }
  console.log(`console bench: warming up ${WARMUP_S} s`);
  const page = await browser.context.newPage();
  await page.goto(demo.consoleUrl);
  await page.waitForSelector('#nav:not([hidden])');
  await sleep(WARMUP_S * 1000);
  const lake = async () => {
    const res = await fetch(`${demo.apiUrl}/admin/v1/lake/state`, { headers: auth });
    const { tables } = (await res.json()) as {
      tables: { table: string; partitions: number; files: number; bytes: number }[];
    };
    return tables
      .map(
        (t) =>
          `${t.table} ${t.files} files ${(t.bytes / 1e6).toFixed(1)} MB ${t.partitions} partitions`,
      )
      .join('; ');
  };
  console.log(`lake: ${await lake()}`);
  console.log(loadAverage());

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
    const res = await fetch(`${demo.apiUrl}${path}`, { headers: auth });
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

  console.log(loadAverage());

  // 3 and 4: ingest latency and CPU with live Overview tabs, beside none
  await page.goto('about:blank');
  const gen = createGenerator({ seed: 7 });
  /** Chromium's processes: everything under this one but `up`. */
  const chromium = () => {
    const demoTree = new Set(processTree(demo.pid));
    return processTree(process.pid).filter((p) => p !== process.pid && !demoTree.has(p));
  };
  const phase = async (during?: { start(): void; stop(): Promise<void> }) => {
    const lat: number[] = [];
    const cpu0 = cpuSeconds(demo.pid);
    const browser0 = cpuOf(chromium());
    const t0 = performance.now();
    during?.start();
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
    const s = (performance.now() - t0) / 1000;
    const cpu = (cpuSeconds(demo.pid) - cpu0) / s;
    let browserCpu = 0;
    for (const [pid, c] of cpuOf(chromium())) browserCpu += c - (browser0.get(pid) ?? 0);
    await during?.stop();
    return { cpu, browserCpu: browserCpu / s, lat };
  };
  const header = (first: string) =>
    console.log(
      `${first.padEnd(22)}${'up CPU %'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}  posts  Chromium CPU %`,
    );
  const show = (name: string, r: Awaited<ReturnType<typeof phase>>) =>
    console.log(
      `${name.padEnd(22)}${f(100 * r.cpu)} ${f(median(r.lat))} ${f(quantile(r.lat, 0.99))}  ${String(r.lat.length).padStart(5)}  ${f(100 * r.browserCpu)}`,
    );

  // 3. light clients: what a tab asks of the server, without a browser drawing
  const assets: string[] = [];
  for (const queue = ['/console/']; queue.length > 0; ) {
    const path = queue.shift() as string;
    if (assets.includes(path)) continue;
    assets.push(path);
    const text = await (await fetch(`${demo.apiUrl}${path}`)).text();
    const refs = path.endsWith('/')
      ? [...text.matchAll(/(?:src|href)="(\/console\/[^"#]+)"/g)].map((m) => m[1] as string)
      : path.endsWith('.js')
        ? [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map(
            (m) => new URL(m[1] as string, `http://x${path}`).pathname,
          )
        : [];
    queue.push(...refs);
  }
  const lightTabs = () => {
    const ctl = new AbortController();
    let runs: Promise<number>[] = [];
    const tab = async () => {
      for (const path of [...assets, '/admin/v1/session']) {
        const res = await fetch(`${demo.apiUrl}${path}`, { headers: auth, signal: ctl.signal });
        await res.arrayBuffer();
      }
      const res = await fetch(`${demo.apiUrl}/admin/v1/metrics/stream?window=15m`, {
        headers: auth,
        signal: ctl.signal,
      });
      if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
      let events = 0;
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>)
          events += (
            Buffer.from(chunk)
              .toString()
              .match(/^event: /gm) ?? []
          ).length;
      } catch (err) {
        if (!ctl.signal.aborted) throw err;
      }
      return events;
    };
    return {
      start() {
        runs = Array.from({ length: TABS }, () =>
          tab().catch((err) => {
            if (ctl.signal.aborted) return 0;
            throw err;
          }),
        );
      },
      async stop() {
        ctl.abort();
        const events = await Promise.all(runs);
        if (events.some((n) => n < 1))
          throw new Error(`a light client read no server-sent event (${events.join(', ')})`);
      },
    };
  };
  console.log(
    `\n3. ${TABS} light clients (a tab's load: ${assets.length} files and the session, then the Overview's server-sent events), ${SECONDS} s per phase, interleaved ${PAIRS} times`,
  );
  header('phase');
  const none: number[][] = [];
  const light: number[][] = [];
  const cpus = { none: [] as number[], light: [] as number[] };
  for (let i = 0; i < PAIRS; i++) {
    const a = await phase();
    show(`none ${i + 1}`, a);
    none.push(a.lat);
    cpus.none.push(a.cpu);
    const b = await phase(lightTabs());
    show(`${TABS} clients ${i + 1}`, b);
    light.push(b.lat);
    cpus.light.push(b.cpu);
  }
  const pooled = (name: string, xs: number[][], cpu: number[]) => {
    const all = xs.flat();
    const p50s = xs.map((x) => median(x));
    const p99s = xs.map((x) => quantile(x, 0.99));
    console.log(
      `${name.padEnd(22)}${f(100 * median(cpu))} ${f(median(all))} ${f(quantile(all, 0.99))}  ${String(all.length).padStart(5)}   phases: p50 ${Math.min(...p50s).toFixed(1)}-${Math.max(...p50s).toFixed(1)}, p99 ${Math.min(...p99s).toFixed(0)}-${Math.max(...p99s).toFixed(0)}, CPU % ${(100 * Math.min(...cpu)).toFixed(0)}-${(100 * Math.max(...cpu)).toFixed(0)}`,
    );
  };
  console.log('pooled (CPU: median of the phases)');
  pooled('none', none, cpus.none);
  pooled(`${TABS} clients`, light, cpus.light);
  console.log(loadAverage());

  // 4. the same in Chromium: the platform's cost plus the browser drawing on this machine
  console.log(
    `\n4. ${TABS} Overview tabs in Chromium${PIN ? ` (pinned to CPUs ${PIN})` : ''}, ${SECONDS} s each: includes Chromium's drawing on the same cores`,
  );
  header('tabs');
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
  console.log(`lake: ${await lake()}; the lake writer ${await lakeLag()} records behind`);
  console.log(loadAverage());
} finally {
  await browser.close();
  await demo.stop();
}
