/**
 * `npm run bench -- slices [searchesPerHour] [customers]`: what per-customer pond slices
 * cost. Over a generated week of lake data and its built ponds, with `customers`
 * customers each granted market_demand_daily and fare_trends narrowed to 3 markets:
 *   - writing every customer's slices, beside the pond runs that built the ponds;
 *   - the per-session check that slices are current (what every session open and every
 *     `POST /v1/sql` now does first), beside opening the session itself;
 *   - a narrowed query over a slice, beside the same query over the whole pond with the
 *     grant's filter (what a session ran before slices).
 */
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { defaultPondJobs } from '../src/etl/default-ponds.js';
import { openEtlFixture } from '../src/etl/testing/etl-fixture.js';
import { writeLakeRecords } from '../src/etl/testing/lake-fixture.js';
import { createGenerator } from '../src/generator/generator.js';
import type { ShoppingRecord } from '../src/model/shopping-record.js';
import type { PondInfo } from '../src/sql-endpoint/customer-session.js';
import { openDuckDBCustomerSession } from '../src/sql-endpoint/duckdb/duckdb-customer-session.js';
import { CustomerSlices, slicedPonds } from '../src/tenancy/customer-slices.js';
import { CustomerStore } from '../src/tenancy/customer-store.js';
import { DuckDBSliceWriter } from '../src/tenancy/duckdb/duckdb-slice-writer.js';

const PER_HOUR = Number(process.argv[2] ?? 60);
const CUSTOMERS = Number(process.argv[3] ?? 5);
const REPEAT = 20;
const HOUR = 3_600_000;
const START = Date.parse('2025-03-03T00:00:00Z');

const ms = (t0: number) => performance.now() - t0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const fx = await openEtlFixture();
try {
  const week: ShoppingRecord[] = [];
  for (let h = 0; h < 7 * 24; h++) {
    const g = createGenerator({ seed: h + 1, start: new Date(START + h * HOUR) });
    for (let i = 0; i < PER_HOUR; i++)
      week.push(g.next(new Date(START + h * HOUR + Math.floor((i * HOUR) / PER_HOUR))));
  }
  await writeLakeRecords(fx.dataDir, week);
  const jobs = defaultPondJobs();
  let t0 = performance.now();
  for (const j of jobs) await fx.runner.run(j);
  const pondRuns = ms(t0);

  const customers = new CustomerStore(fx.sql);
  await customers.migrate();
  const markets = [...new Set(week.map((r) => `${r.origin}-${r.destination}`))];
  const names: string[] = [];
  for (let c = 0; c < CUSTOMERS; c++) {
    const name = `c${c}`;
    names.push(name);
    await customers.add(name);
    const mine = markets.slice(c * 3, c * 3 + 3);
    await customers.grant(name, { pond: 'market_demand_daily', markets: mine });
    await customers.grant(name, { pond: 'fare_trends', markets: mine });
  }
  const slices = new CustomerSlices({
    lakeRoot: fx.lakeRoot,
    writer: new DuckDBSliceWriter(),
    ponds: slicedPonds(jobs),
  });
  t0 = performance.now();
  for (const n of names) await slices.sync(n, await customers.grants(n));
  const writeAll = ms(t0);
  console.log(
    `lake: ${week.length.toLocaleString('en')} searches over 7 days; ${markets.length} markets; ${CUSTOMERS} customers x 2 narrowed grants\n`,
  );
  console.log(
    `write every slice (${CUSTOMERS * 2}):   ${writeAll.toFixed(0).padStart(7)} ms   ` +
      `baseline: the ${jobs.length} pond runs that built the ponds ${pondRuns.toFixed(0).padStart(7)} ms   ` +
      `ratio ${(writeAll / pondRuns).toFixed(2)}`,
  );

  const tables = await fx.store.tables();
  const ponds: PondInfo[] = jobs.map((j) => ({
    name: j.pond,
    ...(j.marketColumn ? { marketColumn: j.marketColumn } : {}),
    ...(j.posColumn ? { posColumn: j.posColumn } : {}),
    columns: tables.find((t) => t.name === j.pond)?.columns ?? [],
  }));
  const grants = await customers.grants('c0');
  const spec = {
    lakeRoot: fx.lakeRoot,
    customer: 'c0',
    grants,
    ponds,
    statementTimeoutMs: 60_000,
    maxRows: 1_000_000,
  };
  const check: number[] = [];
  const open: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    t0 = performance.now();
    await slices.sync('c0', grants);
    check.push(ms(t0));
    t0 = performance.now();
    const s = await openDuckDBCustomerSession(spec);
    open.push(ms(t0));
    await s.close();
  }
  console.log(
    `slice check per session open:  ${median(check).toFixed(2).padStart(7)} ms   ` +
      `baseline: opening the session             ${median(open).toFixed(2).padStart(7)} ms   ` +
      `ratio ${(median(check) / median(open)).toFixed(2)}   (medians of ${REPEAT})`,
  );

  const sql = 'SELECT market, sum(searches) AS s FROM market_demand_daily GROUP BY market';
  const session = await openDuckDBCustomerSession(spec);
  const duck = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await duck.connect();
  const m = grants[0]!.markets!.map((x) => `'${x}'`).join(', ');
  const pondGlob = path.join(fx.lakeRoot, 'ponds', 'market_demand_daily', '*', '*.parquet');
  await conn.run(
    `CREATE VIEW market_demand_daily AS SELECT * FROM read_parquet('${pondGlob}', hive_partitioning = true) WHERE market IN (${m})`,
  );
  const slice: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    t0 = performance.now();
    await session.query(sql);
    slice.push(ms(t0));
    t0 = performance.now();
    await conn.runAndReadAll(sql);
    whole.push(ms(t0));
  }
  console.log(
    `narrowed query over the slice: ${median(slice).toFixed(2).padStart(7)} ms   ` +
      `baseline: the whole pond, filtered        ${median(whole).toFixed(2).padStart(7)} ms   ` +
      `ratio ${(median(slice) / median(whole)).toFixed(2)}   (medians of ${REPEAT}; the slice side includes the statement check)`,
  );
  await session.close();
  conn.closeSync();
  duck.closeSync();
} finally {
  await fx.close();
}
