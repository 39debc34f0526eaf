/**
 * The speed and serving parts of `npm run bench -- forecast`: automatic fits per
 * CPU-second on 365-point daily series (inline and on a ForecastPool, beside the full
 * search without pruning), and the p99 latency of requests to a server in the same
 * process (a /healthz route and the demand API read from the row store) while the demand
 * job fits, beside idle and beside fitting inline on the event loop (the old way).
 */
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { autoEts } from '../src/analytics/forecast/auto-ets.js';
import { type DailyCount, forecastDemand } from '../src/analytics/forecast/demand-forecast-job.js';
import { DemandStore } from '../src/analytics/forecast/demand-store.js';
import { type Fitter, fitInline, fitSeries } from '../src/analytics/forecast/fit-series.js';
import { defaultForecastThreads, ForecastPool } from '../src/analytics/forecast/forecast-pool.js';
import { RouteTable } from '../src/api/route-spec.js';
import { demandRoutes } from '../src/api/routes/demand.js';
import { BACKGROUND_NICENESS } from '../src/ops/thread-priority.js';
import { PGliteClient } from '../src/sql/pglite/pglite-client.js';
import { PGliteInlineClient } from '../src/sql/pglite/pglite-inline-client.js';
import { generated } from './forecast-datasets.js';
import { goal } from './forecast-goals.js';
import { rowStoreCost } from './forecast-row-store.js';
import { cpuSince, threadCpuMs } from './thread-cpu.js';

const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;

/**
 * Fits per CPU-second (whole process: every thread) of automatic selection on 365-point
 * daily series: the selection alone, then selection + 28-step forecast with intervals on
 * this thread and on the pool (the same work, both warmed alike), so the rows compare.
 * The pool row also prints the milliseconds a fit took on its thread against the wall
 * time per fit per thread: the gap is what the pool itself costs (messages, queueing).
 */
export async function fitSpeed(count: number): Promise<void> {
  const ys = generated(count, 365, 7, 21).map((s) => s.values);
  const warm = ys.slice(0, Math.min(ys.length, 20));
  for (const y of warm) fitSeries({ y, m: 7, h: 28 }, 0); // warm the JIT for every row
  const rows: [string, (y: Float64Array) => void][] = [
    [
      'selection, full search (the old way)',
      (y) => autoEts(y, { m: 7, pruneMargin: Number.POSITIVE_INFINITY }),
    ],
    ['selection (default)', (y) => autoEts(y, { m: 7 })],
    ['selection + forecast h=28', (y) => fitSeries({ y, m: 7, h: 28 }, 0)],
  ];
  const perCpu: number[] = [];
  for (const [name, run] of rows) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const y of ys) run(y);
    const cpu = cpuSeconds(process.cpuUsage(c0));
    const wall = (performance.now() - t0) / 1000;
    perCpu.push(ys.length / cpu);
    console.log(
      `daily 365 points, m=7, this thread: ${name.padEnd(38)} ${(ys.length / cpu).toFixed(1)} fits per CPU-second (${(ys.length / wall).toFixed(1)} per wall second)`,
    );
  }
  // one thread shows what the pool itself costs (messages, queueing); all cores, what
  // threads competing for the cores (and caches) add
  for (const threads of [1, availableParallelism()]) {
    const pool = await ForecastPool.start({ threads });
    try {
      // a thread's JIT needs more than 20 fits to be as warm as this thread's
      await Promise.all(
        Array.from({ length: threads }, () => ys)
          .flat()
          .map((y) => pool.fit({ y, m: 7, h: 28 })),
      );
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const outs = await Promise.all(ys.map((y) => pool.fit({ y, m: 7, h: 28 })));
      const cpu = cpuSeconds(process.cpuUsage(c0));
      const wallMs = performance.now() - t0;
      const inThread = outs.reduce((a, o) => a + o.ms, 0) / outs.length;
      perCpu.push(ys.length / cpu);
      console.log(
        `daily 365 points, m=7, pool of ${threads} thread${threads > 1 ? 's' : ' '}: selection + forecast h=28${' '.repeat(7)} ${(ys.length / cpu).toFixed(1)} fits per CPU-second (${((ys.length / wallMs) * 1000).toFixed(1)} per wall second; ${inThread.toFixed(2)} ms per fit on its thread, ${((wallMs * threads) / ys.length).toFixed(2)} ms of thread wall time per fit)`,
      );
    } finally {
      await pool.close();
    }
  }
  const [, , inline, pool1, poolAll] = perCpu as number[];
  goal(
    '≥ 100 automatic fits per CPU-second on 365-point daily series (m=7, h=28)',
    Math.min(inline as number, poolAll as number) >= 100,
    `selection + forecast: this thread ${inline?.toFixed(1)}, pool of 1 ${pool1?.toFixed(1)}, pool of ${availableParallelism()} ${poolAll?.toFixed(1)} fits per CPU-second`,
  );
}

/** A year of daily counts for `markets` markets with distinct airports (3 series per market). */
function yearOfCounts(markets: number, asOf: string): DailyCount[] {
  const rows: DailyCount[] = [];
  const start = Date.parse(`${asOf}T00:00:00Z`) - 365 * 86_400_000;
  for (let k = 0; k < markets; k++) {
    const key = `A${String(k).padStart(3, '0')}-B${String(k).padStart(3, '0')}`;
    for (let i = 0; i < 365; i++) {
      const date = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
      const noise = ((i * 7919 + k * 104729) % 97) / 97;
      rows.push({ key, date, count: Math.round(80 + 3 * k + 25 * ((i + k) % 7) + 30 * noise) });
    }
  }
  return rows;
}

/**
 * Open-loop GETs at `rate` per second until `done()`; each latency counted from the
 * request's scheduled time, so a stalled event loop shows in full. `loopP99` is the p99
 * of the event loop's own delay meanwhile (perf_hooks, 10 ms resolution): a request slow
 * while the loop was not held waited for a CPU, not for the loop. `phase()`, when given,
 * names what runs when each request is due; `byPhase` has the p99 of each.
 */
export async function pacedGets(
  urls: string[],
  rate: number,
  done: () => boolean,
  phase: () => string = () => '',
) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const lat: number[] = [];
  const byUrl = urls.map(() => [] as number[]);
  const phases = new Map<string, number[]>();
  const t0 = performance.now();
  let i = 0;
  const inflight: Promise<void>[] = [];
  while (!done()) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const u = i % urls.length;
    i++;
    const p = phase();
    if (!phases.has(p)) phases.set(p, []);
    const inPhase = phases.get(p) as number[];
    inflight.push(
      fetch(urls[u] as string).then(async (res) => {
        await res.arrayBuffer();
        const ms = performance.now() - due;
        lat.push(ms);
        byUrl[u]?.push(ms);
        inPhase.push(ms);
      }),
    );
  }
  await Promise.all(inflight);
  loop.disable();
  const quantile = (v: number[], p: number) => {
    v.sort((a, b) => a - b);
    return v[Math.min(v.length - 1, Math.floor(p * v.length))] ?? Number.NaN;
  };
  const q = (p: number) => quantile(lat, p);
  return {
    /** p99 per URL, in the order of `urls`. */
    p99ByUrl: byUrl.map((v) => quantile(v, 0.99)),
    /** Requests and p99 by the phase they were due in. */
    byPhase: [...phases].map(([name, v]) => ({ name, n: v.length, p99: quantile(v, 0.99) })),
    n: lat.length,
    p50: q(0.5),
    p99: q(0.99),
    max: lat.at(-1) ?? Number.NaN,
    loopP99: loop.percentile(99) / 1e6,
  };
}

type Paced = Awaited<ReturnType<typeof pacedGets>>;

/**
 * Serving p99 beside idle: a Fastify server (GET /healthz as ingest answers it, GET
 * /v1/markets/{m}/demand from the row store) in this process while the demand job fits
 * `markets` markets (3 series each) and writes them. The product (fits on the pool, the
 * row store on its thread, PGliteClient) beside the same with PGlite on the event loop
 * (PGliteInlineClient: before) and with fitting inline too (the old way). Each line
 * also gives the p99 of the requests due while the job wrote, and the CPU the event
 * loop's thread used during the job (unlike wall time, not inflated by other processes).
 */
export async function servingDuringForecast(markets: number): Promise<void> {
  await rowStoreCost();
  const asOf = '2031-01-01';
  const rows = yearOfCounts(markets, asOf);
  const threaded = new DemandStore(await PGliteClient.open());
  const inline = new DemandStore(await PGliteInlineClient.open());
  let current = threaded;
  const app = Fastify();
  app.get('/healthz', async () => ({ ok: true }));
  demandRoutes(new RouteTable(app), { view: (scope, key) => current.view(scope, key) });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const seed = await forecastDemand(rows.slice(0, 365 * 5), { asOf }, fitInline);
    for (const store of [threaded, inline]) {
      await store.migrate();
      await store.write(seed, new Date());
    }
    // /healthz, as ingest answers it, and the demand API (a row-store read); "p99 per route" in this order
    const urls = [`${base}/healthz`, `${base}/v1/markets/A000-B000/demand`];
    const rate = 50;
    const fmt = (name: string, r: Paced, extra = '') =>
      console.log(
        `serving ${name.padEnd(52)} p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms  max ${r.max.toFixed(0).padStart(6)} ms  loop delay p99 ${r.loopP99.toFixed(0).padStart(5)} ms  p99 per route ${r.p99ByUrl.map((v) => v.toFixed(0)).join(' / ')} ms  (${r.n} requests${extra})`,
      );
    const idleOn = async (store: DemandStore) => {
      current = store;
      // The first requests compile the routes and fill the caches: not part of idle.
      const warmEnd = performance.now() + 1000;
      await pacedGets(urls, rate, () => performance.now() > warmEnd);
      const idleEnd = performance.now() + 5000;
      return pacedGets(urls, rate, () => performance.now() > idleEnd);
    };
    const idle = await idleOn(threaded);
    fmt('idle, row store on its thread', idle);
    fmt('idle, PGlite on the event loop', await idleOn(inline));
    current = threaded;
    // Control: a thread that only spins, no forecast, for as long as idle was measured. On
    // a machine with cores to spare it changes nothing; on a loaded one it shows what any
    // busy thread of this process costs the event loop.
    // Then the same at the forecast threads' niceness: what lowering it buys.
    const spinning = async (niceness: number) => {
      const lower = `require('node:os').setPriority(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()), ${niceness});`;
      const spinner = new Worker(
        `${niceness && process.platform === 'linux' ? lower : ''} const end = Date.now() + 5200; while (Date.now() < end) {}`,
        { eval: true },
      );
      const spinEnd = performance.now() + 5000;
      const r = await pacedGets(urls, rate, () => performance.now() > spinEnd);
      await spinner.terminate();
      return r;
    };
    const spin = await spinning(0);
    fmt('beside a thread that only spins (control)', spin);
    fmt(
      `beside one that spins at niceness ${BACKGROUND_NICENESS}`,
      await spinning(BACKGROUND_NICENESS),
    );
    // `pool`: the run starts its own ForecastPool and ends it, as runForecastJob does, so
    // every run pays for cold threads alike (a pool kept warm from an earlier run made the
    // later run look better than the first).
    const during = async (
      name: string,
      pool: boolean,
      store: DemandStore,
      job: readonly DailyCount[] = rows,
    ) => {
      current = store;
      let finished = false;
      let phase = 'before';
      // The client starts first: an inline fit holds the loop from the job's first call on.
      const load = pacedGets(
        urls,
        rate,
        () => finished,
        () => phase,
      );
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      const c0 = threadCpuMs();
      phase = 'fit';
      const started = pool ? await ForecastPool.start() : undefined;
      const fit: Fitter = started ? (r) => started.fit(r) : fitInline;
      let out: Awaited<ReturnType<typeof forecastDemand>>;
      try {
        out = await forecastDemand(job, { asOf }, fit);
      } finally {
        await started?.close();
      }
      phase = 'write';
      const w0 = performance.now();
      const cw = threadCpuMs();
      await store.write(out, new Date());
      const writeS = (performance.now() - w0) / 1000;
      const loopCpu = cpuSince(c0, (ms) => `${(ms / 1000).toFixed(1)} s`);
      const writeCpu = cpuSince(cw, (ms) => `${(ms / out.length).toFixed(2)} ms per series`);
      phase = 'after';
      finished = true;
      const r = await load;
      const inPhase = (name: string) => {
        const p = r.byPhase.find((x) => x.name === name);
        return p ? `${p.p99.toFixed(1)} ms (${p.n} requests)` : 'n/a';
      };
      fmt(
        name,
        r,
        `; job ${out.length} series in ${((performance.now() - t0) / 1000).toFixed(1)} s, write ${writeS.toFixed(1)} s; event loop CPU ${loopCpu}, in the write ${writeCpu}; p99 while fitting ${inPhase('fit')}, while writing ${inPhase('write')}`,
      );
      return r;
    };
    const threads = defaultForecastThreads();
    // The first run of the job in a process is slower than the next ones whichever row
    // store it writes to (the main thread's code for the job is still cold): printed, not
    // compared, so that the rows below are the steady state of an hourly job.
    await during(
      `first run of a process (warm-up, ${Math.ceil(markets / 5)} markets)`,
      true,
      threaded,
      rows.slice(0, 365 * Math.ceil(markets / 5)),
    );
    const product = await during(
      `during the job, pool of ${threads}, row store on its thread`,
      true,
      threaded,
    );
    const before = await during(
      `during the job, pool of ${threads}, PGlite on the loop (before)`,
      true,
      inline,
    );
    await during('during the job, fitting and PGlite inline (old way)', false, inline);
    console.log(
      `serving p99 during the job / idle: ${(product.p99 / idle.p99).toFixed(2)}x with the row store on its thread, ${(before.p99 / idle.p99).toFixed(2)}x with PGlite on the event loop (goal within 2x)`,
    );
    goal(
      'serving p99 during a forecast run within 2x of idle',
      product.p99 <= 2 * idle.p99,
      `p99 ${product.p99.toFixed(1)} ms during the job (pool, row store on its thread), ${idle.p99.toFixed(1)} ms idle (${(product.p99 / idle.p99).toFixed(2)}x); PGlite on the event loop ${before.p99.toFixed(1)} ms (${(before.p99 / idle.p99).toFixed(2)}x); beside a thread that only spins ${spin.p99.toFixed(1)} ms (${(spin.p99 / idle.p99).toFixed(2)}x); event-loop delay p99 ${product.loopP99.toFixed(0)} ms during the job, ${idle.loopP99.toFixed(0)} ms idle; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`,
    );
  } finally {
    await app.close();
    await threaded.client.close();
    await inline.client.close();
  }
}
