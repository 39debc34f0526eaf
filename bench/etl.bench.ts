/**
 * `npm run bench -- etl [searchesPerHour]`: each default pond job over a generated week of
 * lake data (written with the lake's own Parquet writer, src/lake/duckdb, from
 * createGenerator records), in input rows per second, beside DuckDB running the same SQL
 * directly over the same files into the same partitioned Parquet (the ceiling: no
 * watermark, no window, no swap, no run history); then the cost of an incremental run
 * after one new hour of data against a full rebuild of the week; last, the p99 of an HTTP
 * server in the same process (as `faresight up` runs ETL beside ingest and the API) while
 * every pond is rebuilt, beside idle.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Fastify from 'fastify';
import { DEFAULT_ETL_THREADS } from '../src/config/config.js';
import { defaultPondJobs } from '../src/etl/default-ponds.js';
import { DuckDBEtlEngine } from '../src/etl/duckdb/duckdb-etl-engine.js';
import { JobRunner } from '../src/etl/job-runner.js';
import { openEtlFixture } from '../src/etl/testing/etl-fixture.js';
import { writeLakeRecords } from '../src/etl/testing/lake-fixture.js';
import { createGenerator } from '../src/generator/generator.js';
import type { ShoppingRecord } from '../src/model/shopping-record.js';
import { silentLogger } from '../src/ops/logger.js';
import { pacedGets } from './forecast-serving.js';

const PER_HOUR = Number(process.argv[2] ?? 60);
const HOUR = 3_600_000;
const START = Date.parse('2025-03-03T00:00:00Z'); // a Monday

function hourOf(h: number, seed: number): ShoppingRecord[] {
  const g = createGenerator({ seed, start: new Date(START + h * HOUR) });
  return Array.from({ length: PER_HOUR }, (_, i) =>
    g.next(new Date(START + h * HOUR + Math.floor((i * HOUR) / PER_HOUR))),
  );
}

const fx = await openEtlFixture();
const ceilingDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-bench-etl-'));
try {
  let t0 = performance.now();
  const week: ShoppingRecord[] = [];
  for (let h = 0; h < 7 * 24; h++) week.push(...hourOf(h, h + 1));
  await writeLakeRecords(fx.dataDir, week);
  const offers = week.reduce((n, r) => n + r.offers.length, 0);
  console.log(
    `lake: ${week.length.toLocaleString('en')} searches, ${offers.toLocaleString('en')} offers over 7 days x 24 hours ` +
      `(written with the lake's DuckDB Parquet writer in ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
  const inputRows = (inputs: readonly string[]) =>
    inputs.reduce((n, t) => n + (t === 'searches' ? week.length : offers), 0);

  const duck = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await duck.connect();
  const jobs = defaultPondJobs();
  const fmt = (n: number) => Math.round(n).toLocaleString('en').padStart(12);
  console.log(
    `${'pond'.padEnd(24)} ${'job rows/s'.padStart(12)} ${'ceiling rows/s'.padStart(14)}  job/ceiling  rows out`,
  );
  const fullMs = new Map<string, number>();
  for (const job of jobs) {
    t0 = performance.now();
    const s = await fx.runner.run(job);
    const ms = performance.now() - t0;
    fullMs.set(job.name, ms);
    for (const t of job.inputs)
      await conn.run(
        `CREATE OR REPLACE VIEW ${t} AS SELECT * FROM read_parquet('${fx.lakeRoot}/${t}/*/*/*/*.parquet', hive_partitioning = true)`,
      );
    const out = path.join(ceilingDir, job.name);
    t0 = performance.now();
    await conn.run(
      `COPY (${job.sql}) TO '${out}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${job.partitionColumn}), OVERWRITE_OR_IGNORE)`,
    );
    const ceil = performance.now() - t0;
    const n = inputRows(job.inputs);
    console.log(
      `${job.name.padEnd(24)} ${fmt(n / (ms / 1000))} ${fmt(n / (ceil / 1000)).padStart(14)}  ${((100 * ceil) / ms).toFixed(0).padStart(10)}%  ${s.rows}`,
    );
  }
  conn.closeSync();
  duck.closeSync();

  // One new hour lands (the hour after the week), then every job runs incrementally.
  await writeLakeRecords(fx.dataDir, hourOf(7 * 24, 999), { shard: 1 });
  console.log(`\nincremental run after one new hour vs full rebuild of the week`);
  console.log(
    `${'pond'.padEnd(24)} ${'incremental ms'.padStart(15)} ${'full ms'.padStart(10)}  partitions rewritten`,
  );
  for (const job of jobs) {
    t0 = performance.now();
    const s = await fx.runner.run(job);
    const inc = performance.now() - t0;
    t0 = performance.now();
    await fx.runner.run(job, { range: { from: '2025-03-03', to: '2025-03-10' } });
    const full = performance.now() - t0;
    console.log(
      `${job.name.padEnd(24)} ${inc.toFixed(0).padStart(15)} ${full.toFixed(0).padStart(10)}  ${s.outputPartitions.join(',')} (${((100 * inc) / full).toFixed(0)}% of full)`,
    );
  }

  // The event loop during ETL: open-loop GETs (latency from the scheduled time, so a
  // stalled loop shows in full) to a server in this process, idle and during a full
  // rebuild of every pond.
  const app = Fastify();
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/v1/markets', async () => ({
    markets: Array.from({ length: 50 }, (_, i) => ({ origin: 'JFK', destination: `D${i}` })),
  }));
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const urls = [`${base}/healthz`, `${base}/v1/markets`];
    const rate = 50;
    const idleEnd = performance.now() + 5000;
    const idle = await pacedGets(urls, rate, () => performance.now() > idleEnd);
    const row = (name: string, r: typeof idle, extra = '') =>
      console.log(
        `${name.padEnd(40)} p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms  max ${r.max.toFixed(0).padStart(6)} ms  (${r.n} requests${extra})`,
      );
    console.log(
      `\nserving in the same process while ETL rebuilds every pond (${rate} req/s, ${os.availableParallelism()} cores)`,
    );
    row('idle', idle);
    // DuckDB's threads and the event loop share the cores: with as many DuckDB threads as
    // cores the loop waits for CPU; DEFAULT_ETL_THREADS leaves it one.
    for (const threads of [...new Set([os.availableParallelism(), DEFAULT_ETL_THREADS])]) {
      const engine = await DuckDBEtlEngine.open({ threads });
      const runner = new JobRunner({
        store: fx.store,
        engine,
        lakeRoot: fx.lakeRoot,
        logger: silentLogger,
      });
      let finished = false;
      const load = pacedGets(urls, rate, () => finished);
      await new Promise((r) => setTimeout(r, 200));
      t0 = performance.now();
      for (const job of jobs)
        await runner.run(job, { range: { from: '2025-03-03', to: '2025-03-10' } });
      const jobMs = performance.now() - t0;
      finished = true;
      const during = await load;
      await engine.close();
      row(
        `during the ETL run, ${threads} DuckDB thread(s)`,
        during,
        `; ETL ${(jobMs / 1000).toFixed(1)} s`,
      );
      console.log(
        `  serving p99 during ETL / idle: ${(during.p99 / idle.p99).toFixed(2)}x (goal within 2x)`,
      );
    }
  } finally {
    await app.close();
  }
} finally {
  await fx.close();
  fs.rmSync(ceilingDir, { recursive: true, force: true });
}
