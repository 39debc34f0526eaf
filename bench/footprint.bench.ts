/**
 * `npm run bench -- footprint [--minutes 60] [--every 5] [--log FILE] [--profile DIR]`: runs
 * `faresight up --demo` (the command as a user starts it, in a fresh data directory, on
 * free ports) for `--minutes` and prints, at start and every `--every` minutes: the RSS of
 * the process and its children, the size on disk of the row store (`<dataDir>/rowstore`,
 * and of its write-ahead log, `pg_wal`, apart),
 * of the lake (`<dataDir>/lake`) and of the stream (`<dataDir>/stream`), and the API p99
 * of `GET /v1/markets?limit=N` (200 requests one after another, N varied so that the
 * cache does not answer them all), each followed by a `GET /healthz` (a `SELECT 1` on the
 * row store: what the event loop and the row store's queue add, without a query's work)
 * and a `GET /v1/markets` (one URL throughout, as a user repeating the README's example).
 * Under each sample, the five largest tables of the row store with their change since the
 * sample before, and the table that grew most when it is not among them
 * (`faresight_rowstore_table_bytes`).
 *
 * First, while the demo's history loads (until its feed logs `feed stopped` and every
 * consumer group has caught up: `faresight_stream_lag_records` summed over the groups
 * under CAUGHT_UP_RECORDS), the same requests run back to back, and one row gives the
 * varied reads' p50 and p99, `/healthz`'s p99, the one URL's p50 and p99, how the cache
 * answered the markets reads (`faresight_cache_reads_total`: hit, stale, miss), the
 * highest event-loop p99 lag the process reported meanwhile
 * (`faresight_nodejs_eventloop_lag_p99_seconds`, read every 2 s), and the lake writer's
 * files and records so far, and what the demo's threads did meanwhile: the main thread's
 * seconds on a core and waiting for one (Linux schedstat), and the other threads' by
 * name. The feed posts the history in about 20 s; the groups take minutes more to work
 * through it. The baseline is the same endpoint's p99 at the first
 * sample after that, in this run.
 *
 * Goal (issue 18): RSS settles under 1 GB, the row store stops growing, and the API
 * answers in milliseconds while the history loads. The demo's warnings and errors are
 * printed as they come (a merge over its memory limit, ...); `--log FILE` keeps every
 * line it logs (at info), with its time, in FILE; `--profile DIR` runs the demo under
 * `node --cpu-prof` and leaves a `.cpuprofile` per thread in DIR when it stops (read the main
 * thread's long tasks with `node --import tsx bench/support/long-tasks.ts FILE`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { distIsCurrent } from '../bin/dist-current.mjs';
import NODE_FLAGS from '../bin/node-flags.json' with { type: 'json' };
import { p99, percentile, treeRss } from './support/process-rss.js';
import { threadTimes, threadTimesLine } from './support/thread-times.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    every: { type: 'string', default: '5' },
    log: { type: 'string' },
    profile: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes);
const EVERY = Number(values.every);
if (!(MINUTES > 0) || !(EVERY > 0)) throw new Error('--minutes and --every must be positive');
const REQUESTS = 200;
/**
 * A request unanswered after this long counts as an error, ends its sample and is named in
 * it, and the run goes on: a demo that stops answering must show in the figures, not hang
 * the bench.
 */
const REQUEST_TIMEOUT_MS = 30_000;
/** After the run, the demo gets this long to stop on SIGTERM before it is killed (and said so). */
const STOP_TIMEOUT_MS = 60_000;
/** fetch, given up after REQUEST_TIMEOUT_MS (a TimeoutError). */
const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
/**
 * Lag, in records over all groups, under which the history counts as worked through: a
 * minute of the live feed (the lake group checkpoints when a file closes, so about 1,000
 * records behind is its steady state).
 */
const CAUGHT_UP_RECORDS = 3000;

// The demo as a user runs it is the compiled package: with a stale dist/ the bin would run
// the sources through tsx, and the figures would be tsx's.
if (!distIsCurrent('.')) {
  console.log('dist/ is not current: npm run build first');
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed; nothing measured');
}

const dir = mkdtempSync(join(tmpdir(), 'fs-bench-footprint-'));
const child = spawn(
  process.execPath,
  [
    ...NODE_FLAGS,
    ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []),
    'bin/faresight.mjs',
    'up',
    '--demo',
    '--seed',
    '7',
  ],
  {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      FARESIGHT_DATA_DIR: dir,
      FARESIGHT_LOG_LEVEL: 'info',
      FARESIGHT_INGEST_PORT: '0',
      FARESIGHT_API_PORT: '0',
      FARESIGHT_SQL_PORT: '0',
    },
  },
);
const stderr: string[] = [];
let historyLoaded = false;
// --log FILE: every line the demo logs, to read beside the samples (what ran at a peak)
const logFile = values.log ? createWriteStream(values.log) : undefined;
createInterface({ input: child.stderr! }).on('line', (l) => {
  logFile?.write(`${l}\n`);
  // the live feed runs until the end: the first feed to stop is the history's
  if (/\bfeed stopped\b/.test(l)) historyLoaded = true;
  // what the demo warns of is part of the footprint (a merge over its memory limit, ...)
  if (/^\S+ (warn|error)\b/.test(l)) console.log(`  demo: ${l}`);
  stderr.push(l);
  if (stderr.length > 20) stderr.shift();
});
const exited = new Promise<number | null>((r) => child.on('exit', r));
/**
 * Stops the demo with SIGTERM, kills it (and says so) when it has not stopped within
 * STOP_TIMEOUT_MS, and removes its data.
 */
async function stopDemo(): Promise<void> {
  child.kill('SIGTERM');
  const stopped = await Promise.race([
    exited.then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS).unref()),
  ]);
  if (!stopped) {
    console.log(`faresight up did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM: killed`);
    child.kill('SIGKILL');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
// Stopped by a signal (scripts/bench.mjs forwards its own): stop the demo and remove its
// data, as at the end of the run, rather than leave `up --demo` running on its own.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.once(signal, () => void stopDemo().then(() => process.exit(1)));
let ingest: string | undefined;
const api = await new Promise<string>((resolve, reject) => {
  createInterface({ input: child.stdout! }).on('line', (line) => {
    ingest ??= /^\s+ingest\s+(http:\/\/\S+?)\/v1\/ingest/.exec(line)?.[1];
    const m = /^\s+api\s+(http:\/\/\S+?)\/v1\/markets/.exec(line);
    if (m) resolve(m[1]!);
  });
  void exited.then((code) =>
    reject(new Error(`faresight up exited with ${code}:\n${stderr.join('\n')}`)),
  );
});

/** Parquet files under `path`; 0 when absent. */
function parquetFiles(path: string): number {
  try {
    return readdirSync(path, { recursive: true }).filter((f) => String(f).endsWith('.parquet'))
      .length;
  } catch {
    return 0; // a folder removed while walking (compaction)
  }
}

/** Bytes allocated on disk under `path` (as du counts them); 0 when absent. */
function diskBytes(path: string): number {
  try {
    const st = statSync(path);
    if (!st.isDirectory()) return st.blocks * 512;
    return readdirSync(path).reduce((s, e) => s + diskBytes(join(path, e)), st.blocks * 512);
  } catch {
    return 0; // a file removed while walking (rotation, compaction)
  }
}

async function apiLatency(more: (i: number) => boolean = (i) => i < REQUESTS): Promise<{
  p50: number;
  p99: number;
  healthP99: number;
  sameP50: number;
  sameP99: number;
  errors: number;
  timedOut: string[];
  requests: number;
}> {
  const lat: number[] = [];
  const health: number[] = [];
  const same: number[] = [];
  let errors = 0;
  const timedOut: string[] = [];
  const timed = async (url: string, into: number[]) => {
    const t = performance.now();
    try {
      const r = await get(url);
      await r.arrayBuffer();
      if (r.status !== 200) errors++;
    } catch (err) {
      errors++;
      if ((err as Error).name === 'TimeoutError')
        timedOut.push(`${clock()} ${url.slice(api.length)}`);
    }
    into.push(performance.now() - t);
  };
  // a request left unanswered ends the sample: the demo is stuck, the rest would wait too
  for (let i = 0; more(i) && timedOut.length === 0; i++) {
    await timed(`${api}/v1/markets?limit=${1 + (i % 100)}`, lat);
    // a `SELECT 1` on the row store: the event loop and the store's queue, without a query's work
    await timed(`${api}/healthz`, health);
    // the same URL each time, as a user repeating the README's example: what the cache holds
    await timed(`${api}/v1/markets`, same);
  }
  return {
    p50: percentile(lat, 0.5),
    p99: p99(lat),
    healthP99: p99(health),
    sameP50: percentile(same, 0.5),
    sameP99: p99(same),
    errors,
    timedOut,
    requests: lat.length,
  };
}

/** A metric's samples (all labels), from the API's and then ingest's /metrics; undefined when not served. */
async function samples(name: string): Promise<number[] | undefined> {
  for (const base of [api, ingest]) {
    try {
      const text = await (await get(`${base}/metrics`)).text();
      const lines = text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
      if (lines.length > 0) return lines.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    } catch {
      // not served there
    }
  }
  return undefined;
}

/** Sum of a Prometheus counter over its labels; undefined when not served. */
async function counter(name: string): Promise<number | undefined> {
  return (await samples(name))?.reduce((a, b) => a + b, 0);
}

/** The API's cache reads so far by result (hit, stale, miss, error); {} when not served. */
async function cacheReads(): Promise<Record<string, number>> {
  try {
    const text = await (await get(`${api}/metrics`)).text();
    return Object.fromEntries(
      [...text.matchAll(/^faresight_cache_reads_total\{result="(\w+)"\} (\d+)$/gm)].map((m) => [
        m[1]!,
        Number(m[2]),
      ]),
    );
  } catch {
    return {};
  }
}

/** `after` less `before`, as `N hit, N stale, N miss` (the results the API counts). */
function cacheDelta(before: Record<string, number>, after: Record<string, number>): string {
  const keys = Object.keys(after).filter((k) => k !== 'error' || after[k]! > (before[k] ?? 0));
  if (keys.length === 0) return 'cache n/a';
  return `cache ${keys.map((k) => `${after[k]! - (before[k] ?? 0)} ${k}`).join(', ')}`;
}

/** The row store's tables by size (faresight_rowstore_table_bytes at the API's /metrics). */
async function tableBytes(): Promise<Map<string, number>> {
  try {
    const text = await (await get(`${api}/metrics`)).text();
    return new Map(
      [...text.matchAll(/^faresight_rowstore_table_bytes\{table="(\w+)"\} (\d+)$/gm)].map((m) => [
        m[1]!,
        Number(m[2]),
      ]),
    );
  } catch {
    return new Map();
  }
}

/**
 * The five largest tables in MB with their change since `before`, and the table that grew
 * most when it is not among them: `tables cheapest_fares 75.1 (+3.2), deals 36.2 (+0.0), ...`.
 */
function tablesLine(now: Map<string, number>, before: Map<string, number>): string {
  if (now.size === 0) return 'tables n/a';
  const m = (b: number) => (b / 1_048_576).toFixed(1);
  const change = (t: string) => (now.get(t) ?? 0) - (before.get(t) ?? now.get(t) ?? 0);
  const entry = (t: string) =>
    `${t} ${m(now.get(t) ?? 0)} (${change(t) >= 0 ? '+' : ''}${m(change(t))})`;
  const bySize = [...now.keys()].sort((a, b) => now.get(b)! - now.get(a)!);
  const shown = bySize.slice(0, 5);
  const grower = [...now.keys()].sort((a, b) => change(b) - change(a))[0];
  if (grower && !shown.includes(grower) && change(grower) > 0) shown.push(grower);
  return `tables MB ${shown.map(entry).join(', ')}`;
}

/** What the lake writer has written so far: files and records. */
async function lakeWritten(): Promise<string> {
  const files = await counter('faresight_lake_files_written_total');
  const records = await counter('faresight_lake_records_written_total');
  return `${files ?? 'n/a'} files, ${records ?? 'n/a'} records written`;
}

/** `, N errors` and the requests that timed out (the first, with its time); '' for none. */
function errorsOf(a: { errors: number; timedOut: string[] }): string {
  if (a.errors === 0) return '';
  const late = a.timedOut.length
    ? ` (${a.timedOut.length} unanswered after ${REQUEST_TIMEOUT_MS / 1000} s, the first at ${a.timedOut[0]})`
    : '';
  return `, ${a.errors} errors${late}`;
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0).padStart(5)} MB`;
const started = Date.now();
// The RSS between samples, read every second: a spike between two samples shows as the max,
// with its time of day (UTC, as the demo logs it: what ran then is in --log FILE).
let rssMax = 0;
let rssMaxAt = '';
let rssMaxAll = 0;
const clock = () => new Date().toISOString().slice(11, 19);
const rssTimer = setInterval(() => {
  const r = treeRss(child.pid!);
  if (r > rssMax) [rssMax, rssMaxAt] = [r, clock()];
  rssMaxAll = Math.max(rssMaxAll, r);
}, 1000);
let baseline = Number.NaN;
console.log(
  `footprint of faresight up --demo for ${MINUTES} min, a sample every ${EVERY} min (data in ${dir})`,
);
try {
  // The API while the history loads: requests back to back until its feed has stopped
  // and the groups have worked through it; meanwhile the event loop's lag, every 2 s.
  let caughtUp = false;
  let loopLagMax = 0;
  let lagSeen = false;
  const watcher = (async () => {
    while (!caughtUp && Date.now() - started < MINUTES * 60_000) {
      await new Promise((r) => setTimeout(r, 2000));
      const loop = await samples('faresight_nodejs_eventloop_lag_p99_seconds');
      if (loop) loopLagMax = Math.max(loopLagMax, ...loop);
      const lag = await samples('faresight_stream_lag_records');
      if (lag) lagSeen = true;
      if (historyLoaded && lag && lag.reduce((a, b) => a + b, 0) < CAUGHT_UP_RECORDS)
        caughtUp = true;
    }
  })();
  const cacheBefore = await cacheReads();
  const threadsBefore = threadTimes(child.pid!);
  const historyFrom = Date.now();
  const during = await apiLatency(() => !caughtUp && Date.now() - started < MINUTES * 60_000);
  const threads = threadTimesLine(
    child.pid!,
    threadsBefore,
    threadTimes(child.pid!),
    Date.now() - historyFrom,
  );
  const cacheDuring = cacheDelta(cacheBefore, await cacheReads());
  await watcher;
  const loadMin = (Date.now() - started) / 60_000;
  console.log(
    `history ${caughtUp ? 'worked through' : lagSeen ? 'still loading' : 'load: no lag metric served'} at ${loadMin.toFixed(1)} min: ` +
      `API p50 ${during.p50.toFixed(1)} ms, p99 ${during.p99.toFixed(1)} ms over ${during.requests} requests (healthz p99 ${during.healthP99.toFixed(1)} ms; one URL throughout: p50 ${during.sameP50.toFixed(1)} ms, p99 ${during.sameP99.toFixed(1)} ms)` +
      `${errorsOf(during)} (${cacheDuring}), event loop p99 lag up to ${(loopLagMax * 1000).toFixed(0)} ms` +
      `  RSS max ${mb(rssMax).trim()} at ${rssMaxAt}  lake ${await lakeWritten()}`,
  );
  // whether the event loop waited for its work or for a core (2 cores, many busy threads)
  console.log(`  threads while the history loaded: ${threads}`);
  let tablesBefore = new Map<string, number>();
  // A sample takes a while on a loaded machine: a slot already past is skipped, not run late.
  for (let due = started; due <= started + MINUTES * 60_000; ) {
    const wait = due - Date.now();
    if (wait > 0) {
      const ended = await Promise.race([
        new Promise((r) => setTimeout(() => r(false), wait)),
        exited.then(() => true),
      ]);
      if (ended) throw new Error(`faresight up exited early:\n${stderr.join('\n')}`);
    }
    const a = await apiLatency();
    if (Number.isNaN(baseline)) baseline = a.p99;
    const min = ((Date.now() - started) / 60_000).toFixed(1).padStart(5);
    console.log(
      [
        `t ${min} min`,
        `RSS ${mb(treeRss(child.pid!))} (max ${mb(Math.max(rssMax, treeRss(child.pid!))).trim()} at ${rssMaxAt || clock()})`,
        // its write-ahead log apart: it swings by a checkpoint's worth (60-110 MB), the tables do not
        `row store ${mb(diskBytes(join(dir, 'rowstore')))} (WAL ${mb(diskBytes(join(dir, 'rowstore', 'pg_wal'))).trim()})`,
        `lake ${mb(diskBytes(join(dir, 'lake')))} ${String(parquetFiles(join(dir, 'lake'))).padStart(5)} files (${await lakeWritten()})`,
        `stream ${mb(diskBytes(join(dir, 'stream')))}`,
        `API p99 ${a.p99.toFixed(1).padStart(7)} ms (${(a.p99 / baseline).toFixed(2)}x first sample; healthz ${a.healthP99.toFixed(1)} ms)${errorsOf(a)}`,
      ].join('  '),
    );
    // which table grows (the directory's size says only that something does)
    const tables = await tableBytes();
    console.log(`        ${tablesLine(tables, tablesBefore)}`);
    tablesBefore = tables;
    rssMax = 0;
    rssMaxAt = '';
    do due += EVERY * 60_000;
    while (due < Date.now());
  }
  console.log(`RSS max over the run ${mb(rssMaxAll).trim()}`);
  console.log(
    `API p99 while the history loaded: ${during.p99.toFixed(1)} ms, ${(during.p99 / baseline).toFixed(2)}x the first sample after it`,
  );
} finally {
  clearInterval(rssTimer);
  await stopDemo();
}
