/** Test fixture: a lake with built ponds and two customers, acme and globex. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultPondJobs } from '../../etl/default-ponds.js';
import { type EtlFixture, openEtlFixture } from '../../etl/testing/etl-fixture.js';
import { writeLakeRecords } from '../../etl/testing/lake-fixture.js';
import { createGenerator } from '../../generator/generator.js';
import { CustomerSlices, slicedPonds } from '../../tenancy/customer-slices.js';
import { CustomerStore } from '../../tenancy/customer-store.js';
import { DuckDBSliceWriter } from '../../tenancy/duckdb/duckdb-slice-writer.js';
import type { PondInfo } from '../customer-session.js';

export interface SqlFixture {
  etl: EtlFixture;
  customers: CustomerStore;
  /** Writes the customers' pond slices (done for the grants below). */
  slices: CustomerSlices;
  ponds: PondInfo[];
  keys: { acme: string; globex: string };
  /** The market acme is narrowed to. */
  market: string;
  close(): Promise<void>;
}

export async function openSqlFixture(): Promise<SqlFixture> {
  const etl = await openEtlFixture();
  const g = createGenerator({ seed: 3, start: new Date('2025-05-01T00:00:00Z') });
  const start = Date.parse('2025-05-01T00:00:00Z');
  const records = Array.from({ length: 300 }, (_, i) => g.next(new Date(start + i * 30_000)));
  await writeLakeRecords(etl.dataDir, records);
  const jobs = defaultPondJobs();
  for (const j of jobs) await etl.runner.run(j);
  const customers = new CustomerStore(etl.sql);
  await customers.migrate();
  const acme = await customers.add('acme');
  const globex = await customers.add('globex');
  const market = `${records[0]!.origin}-${records[0]!.destination}`;
  await customers.grant('acme', { pond: 'market_demand_daily', markets: [market] });
  await customers.grant('globex', { pond: 'fare_trends' });
  await customers.grant('globex', { pond: 'market_demand_daily' });
  // globex's own table, which acme must never see.
  const own = path.join(etl.lakeRoot, 'customers', 'globex', 'secret_table');
  fs.mkdirSync(own, { recursive: true });
  fs.copyFileSync(
    fs
      .readdirSync(path.join(etl.lakeRoot, 'ponds', 'fare_trends'), {
        recursive: true,
        withFileTypes: true,
      })
      .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
      .map((e) => path.join(e.parentPath, e.name))[0]!,
    path.join(own, 'data.parquet'),
  );
  const slices = new CustomerSlices({
    lakeRoot: etl.lakeRoot,
    writer: new DuckDBSliceWriter(),
    ponds: slicedPonds(jobs),
  });
  for (const c of ['acme', 'globex']) await slices.sync(c, await customers.grants(c));
  const tables = await etl.store.tables();
  const ponds: PondInfo[] = jobs.map((j) => ({
    name: j.pond,
    ...(j.marketColumn ? { marketColumn: j.marketColumn } : {}),
    ...(j.posColumn ? { posColumn: j.posColumn } : {}),
    columns: tables.find((t) => t.name === j.pond)?.columns ?? [],
  }));
  return {
    etl,
    customers,
    slices,
    ponds,
    keys: { acme, globex },
    market,
    close: () => etl.close(),
  };
}
