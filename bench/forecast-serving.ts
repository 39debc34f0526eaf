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
import { PGliteClient } from '../src/sql/pglite/pglite-client.js';
import { generated } from './forecast-datasets.js';
import { goal } from './forecast-goals.js';

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
 * while the loop was not held waited for a CPU, not for the loop.
 */
export async function pacedGets(urls: string[], rate: number, done: () => boolean) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const lat: number[] = [];
  const byUrl = urls.map(() => [] as number[]);
  const t0 = performance.now();
  let i = 0;
  const inflight: Promise<void>[] = [];
  while (!done()) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const u = i % urls.length;
    i++;
    inflight.push(
      fetch(urls[u] as string).then(async (res) => {
        await res.arrayBuffer();
        lat.push(performance.now() - due);
        byUrl[u]?.push(performance.now() - due);
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
    n: lat.length,
    p50: q(0.5),
    p99: q(0.99),
    max: lat.at(-1) ?? Number.NaN,
    loopP99: loop.percentile(99) / 1e6,
  };
}

/**
 * Serving p99 beside idle: a Fastify server (GET /healthz as ingest answers it, GET
 * /v1/markets/{m}/demand from the PGlite row store) in this process while the demand job
 * fits `markets` markets (3 series each) with the pool, and inline (the old way).
 */
export async function servingDuringForecast(markets: number): Promise<void> {
  const asOf = '2031-01-01';
  const rows = yearOfCounts(markets, asOf);
  const client = await PGliteClient.open();
  const store = new DemandStore(client);
  await store.migrate();
  const app = Fastify();
  app.get('/healthz', async () => ({ ok: true }));
  demandRoutes(new RouteTable(app), store);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await store.write(
      await forecastDemand(rows.slice(0, 365 * 5), { asOf }, fitInline),
      new Date(),
    );
    // /healthz, as ingest answers it, and the demand API (a row-store read); "p99 per route" in this order
    const urls = [`${base}/healthz`, `${base}/v1/markets/A000-B000/demand`];
    const rate = 50;
    // The first requests compile the routes and fill the caches: not part of idle.
    const warmEnd = performance.now() + 1000;
    await pacedGets(urls, rate, () => performance.now() > warmEnd);
    const idleEnd = performance.now() + 5000;
    const idle = await pacedGets(urls, rate, () => performance.now() > idleEnd);
    const fmt = (name: string, r: Awaited<ReturnType<typeof pacedGets>>, extra = '') =>
      console.log(
        `serving ${name.padEnd(44)} p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms  max ${r.max.toFixed(0).padStart(6)} ms  loop delay p99 ${r.loopP99.toFixed(0).padStart(5)} ms  p99 per route ${r.p99ByUrl.map((v) => v.toFixed(0)).join(' / ')} ms  (${r.n} requests${extra})`,
      );
    fmt('idle', idle);
    // Control: a thread that only spins, no forecast, for as long as idle was measured. On
    // a machine with cores to spare it changes nothing; on a loaded one it shows what any
    // busy thread of this process costs the event loop.
    const spinner = new Worker('const end = Date.now() + 5200; while (Date.now() < end) {}', {
      eval: true,
    });
    const spinEnd = performance.now() + 5000;
    const spin = await pacedGets(urls, rate, () => performance.now() > spinEnd);
    await spinner.terminate();
    fmt('beside a thread that only spins (control)', spin);
    const during = async (name: string, fit: Fitter) => {
      let finished = false;
      // The client starts first: an inline fit holds the loop from the job's first call on.
      const load = pacedGets(urls, rate, () => finished);
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      const out = await forecastDemand(rows, { asOf }, fit);
      await store.write(out, new Date());
      finished = true;
      const r = await load;
      fmt(
        name,
        r,
        `; job ${out.length} series in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      return r;
    };
    const threads = defaultForecastThreads();
    const pool = await ForecastPool.start({ threads });
    let pooled: Awaited<ReturnType<typeof pacedGets>>;
    try {
      pooled = await during(`during the job, pool of ${threads} thread(s)`, (r) => pool.fit(r));
    } finally {
      await pool.close();
    }
    await during('during the job, fitting inline (old way)', fitInline);
    console.log(
      `serving p99 during the job on the pool / idle: ${(pooled.p99 / idle.p99).toFixed(2)}x (goal within 2x)`,
    );
    goal(
      'serving p99 during a forecast run within 2x of idle',
      pooled.p99 <= 2 * idle.p99,
      `p99 ${pooled.p99.toFixed(1)} ms during the job on the pool, ${idle.p99.toFixed(1)} ms idle (${(pooled.p99 / idle.p99).toFixed(2)}x); beside a thread that only spins ${spin.p99.toFixed(1)} ms (${(spin.p99 / idle.p99).toFixed(2)}x); event-loop delay p99 ${pooled.loopP99.toFixed(0)} ms during the job, ${idle.loopP99.toFixed(0)} ms idle; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`,
    );
  } finally {
    await app.close();
    await client.close();
  }
}
