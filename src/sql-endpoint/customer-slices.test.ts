import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultPondJobs } from '../etl/default-ponds.js';
import { JobRunner } from '../etl/job-runner.js';
import { writeLakeRecords } from '../etl/testing/lake-fixture.js';
import { createGenerator } from '../generator/generator.js';
import { silentLogger } from '../ops/logger.js';
import {
  CustomerSlices,
  type SliceWriter,
  slicedPonds,
  sliceFile,
} from '../tenancy/customer-slices.js';
import { DuckDBSliceWriter } from '../tenancy/duckdb/duckdb-slice-writer.js';
import { openDuckDBCustomerSession } from './duckdb/duckdb-customer-session.js';
import { openSqlFixture, type SqlFixture } from './testing/sql-fixture.js';

let fx: SqlFixture;

before(async () => {
  fx = await openSqlFixture();
});
after(async () => {
  await fx?.close();
});

async function markets(customer: string, pond = 'market_demand_daily'): Promise<string[]> {
  const s = await openDuckDBCustomerSession({
    lakeRoot: fx.etl.lakeRoot,
    customer,
    grants: await fx.customers.grants(customer),
    ponds: fx.ponds,
    statementTimeoutMs: 10_000,
    maxRows: 100_000,
  });
  try {
    const r = await s.query(`SELECT DISTINCT market FROM ${pond} ORDER BY 1`);
    return r.rows.map((row) => String(row.market));
  } finally {
    await s.close();
  }
}

const sync = async (customer: string) =>
  fx.slices.sync(customer, await fx.customers.grants(customer));

/** Leftover temp or aside entries under a customer's slices. */
function leftovers(customer: string): string[] {
  const root = path.join(fx.etl.lakeRoot, 'customers', customer, 'ponds');
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((n) => /(^|\/)\.(tmp|old)-/.test(n));
}

describe('customer pond slices', () => {
  it('hold only the granted markets, and all markets for an unnarrowed grant', async () => {
    assert.deepEqual(await markets('acme'), [fx.market]);
    assert.ok((await markets('globex')).length > 5);
  });

  it('follow a change of narrowing', async () => {
    const all = await markets('globex');
    const two = all.slice(1, 3);
    await fx.customers.grant('acme', { pond: 'market_demand_daily', markets: two });
    assert.deepEqual((await sync('acme')).written, ['market_demand_daily']);
    assert.deepEqual(await markets('acme'), two);
    await fx.customers.grant('acme', { pond: 'market_demand_daily', markets: [fx.market] });
    await sync('acme');
    assert.deepEqual(await markets('acme'), [fx.market]);
    assert.deepEqual(leftovers('acme'), []);
  });

  it('are not rewritten when neither the pond nor the grant changed', async () => {
    const file = sliceFile(fx.etl.lakeRoot, 'acme', 'market_demand_daily');
    const before = fs.statSync(file).ino;
    assert.deepEqual(await sync('acme'), { written: [], removed: [] });
    assert.equal(fs.statSync(file).ino, before);
  });

  it('are deleted on revoke, so even an open session loses the rows', async () => {
    const s = await openDuckDBCustomerSession({
      lakeRoot: fx.etl.lakeRoot,
      customer: 'globex',
      grants: await fx.customers.grants('globex'),
      ponds: fx.ponds,
      statementTimeoutMs: 10_000,
      maxRows: 100_000,
    });
    try {
      assert.ok(Number((await s.query('SELECT count(*) AS n FROM fare_trends')).rows[0]?.n) > 0);
      await fx.customers.revoke('globex', 'fare_trends');
      assert.deepEqual((await sync('globex')).removed, ['fare_trends']);
      assert.equal(fs.existsSync(sliceFile(fx.etl.lakeRoot, 'globex', 'fare_trends')), false);
      await assert.rejects(s.query('SELECT count(*) FROM fare_trends'));
    } finally {
      await s.close();
    }
    await fx.customers.grant('globex', { pond: 'fare_trends' });
    await sync('globex');
    assert.ok((await markets('globex', 'fare_trends')).length > 0);
  });

  it('a failed rewrite leaves the old slice whole when the grant did not change', async () => {
    // The pond changes (a file touched), and the writer dies half way through its file.
    const pondFile = fs
      .readdirSync(path.join(fx.etl.lakeRoot, 'ponds', 'market_demand_daily'), {
        recursive: true,
        encoding: 'utf8',
      })
      .find((n) => n.endsWith('.parquet'));
    fs.utimesSync(
      path.join(fx.etl.lakeRoot, 'ponds', 'market_demand_daily', pondFile!),
      new Date(),
      new Date(),
    );
    const dying: SliceWriter = {
      async write(_files, _filters, target) {
        fs.writeFileSync(target, 'PAR1 half a file');
        throw new Error('disk full');
      },
    };
    const broken = new CustomerSlices({
      lakeRoot: fx.etl.lakeRoot,
      writer: dying,
      ponds: slicedPonds(defaultPondJobs()),
    });
    assert.deepEqual(await broken.sync('acme', await fx.customers.grants('acme')), {
      written: [],
      removed: [],
    });
    assert.deepEqual(await markets('acme'), [fx.market]);
    assert.deepEqual(leftovers('acme'), []);
  });

  it('a failed rewrite for a changed grant leaves no slice (fail closed) and says why', async () => {
    const broken = new CustomerSlices({
      lakeRoot: fx.etl.lakeRoot,
      writer: {
        async write() {
          throw new Error('disk full');
        },
      },
      ponds: slicedPonds(defaultPondJobs()),
    });
    await fx.customers.grant('acme', { pond: 'market_demand_daily', markets: ['AAA-BBB'] });
    await assert.rejects(
      broken.sync('acme', await fx.customers.grants('acme')),
      /slice of pond market_demand_daily could not be written: disk full/,
    );
    assert.equal(fs.existsSync(sliceFile(fx.etl.lakeRoot, 'acme', 'market_demand_daily')), false);
    await fx.customers.grant('acme', { pond: 'market_demand_daily', markets: [fx.market] });
    await sync('acme');
    assert.deepEqual(await markets('acme'), [fx.market]);
  });

  it('are refreshed when a pond run publishes new partitions', async () => {
    const runner = new JobRunner({
      store: fx.etl.store,
      engine: fx.etl.engine,
      lakeRoot: fx.etl.lakeRoot,
      logger: silentLogger,
      onPublished: (job) => fx.slices.refreshPond(job.pond, fx.customers),
    });
    const before = await markets('globex');
    const g = createGenerator({ seed: 11, start: new Date('2025-05-02T00:00:00Z') });
    const start = Date.parse('2025-05-02T00:00:00Z');
    await writeLakeRecords(
      fx.etl.dataDir,
      Array.from({ length: 200 }, (_, i) => g.next(new Date(start + i * 30_000))),
      { firstSeq: 10_000 },
    );
    const job = defaultPondJobs().find((j) => j.pond === 'market_demand_daily')!;
    await runner.run(job);
    const after = await markets('globex');
    assert.ok(
      after.length > before.length,
      `${after.length} markets after, ${before.length} before`,
    );
    assert.deepEqual(await markets('acme'), [fx.market]);
  });

  it('two writers of one customer (the ETL refresh and a session open) never break each other', async () => {
    // In `faresight up` the ETL's refresh after a pond run and the SQL endpoint's
    // session open each hold a CustomerSlices; a grant changed meanwhile made the second
    // delete the slice directory while the first was writing its `.tmp-*` file into it.
    const wide = await markets('globex');
    let bWriting!: () => void;
    const bWrites = new Promise<void>((r) => {
      bWriting = r;
    });
    const real = new DuckDBSliceWriter();
    const slow = new CustomerSlices({
      lakeRoot: fx.etl.lakeRoot,
      writer: {
        async write(files, filters, target) {
          const rows = await real.write(files, filters, target);
          // Hold the written temp file until the other writer is writing (no lock), or a
          // while (a lock keeps the other waiting: it never writes meanwhile).
          await Promise.race([bWrites, new Promise((r) => setTimeout(r, 1500))]);
          return rows;
        },
      },
      ponds: slicedPonds(defaultPondJobs()),
    });
    const other = new CustomerSlices({
      lakeRoot: fx.etl.lakeRoot,
      writer: {
        async write(files, filters, target) {
          bWriting();
          return real.write(files, filters, target);
        },
      },
      ponds: slicedPonds(defaultPondJobs()),
    });
    await fx.customers.grant('acme', { pond: 'market_demand_daily', markets: wide.slice(0, 2) });
    const a = slow.sync('acme', await fx.customers.grants('acme'));
    await new Promise((r) => setTimeout(r, 50));
    await fx.customers.grant('acme', { pond: 'market_demand_daily', markets: [fx.market] });
    const b = other.sync('acme', await fx.customers.grants('acme'));
    const [ra, rb] = await Promise.allSettled([a, b]);
    assert.equal(ra.status, 'fulfilled', String((ra as PromiseRejectedResult).reason?.message));
    assert.equal(rb.status, 'fulfilled', String((rb as PromiseRejectedResult).reason?.message));
    // The later grant is what the slice holds.
    assert.deepEqual(await markets('acme'), [fx.market]);
    assert.deepEqual(leftovers('acme'), []);
  });

  it('a slice lock left by a process that died is taken over', async () => {
    const root = path.join(fx.etl.lakeRoot, 'customers', 'acme', 'ponds');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.writeFileSync(path.join(root, '.lock'), `${dead} 0\n`);
    await fx.customers.grant('acme', { pond: 'market_demand_daily', markets: [fx.market] });
    await sync('acme');
    assert.deepEqual(await markets('acme'), [fx.market]);
    assert.equal(fs.existsSync(path.join(root, '.lock')), false);
  });

  it('reserve the customer table name "ponds"', async () => {
    await assert.rejects(
      fx.customers.putJob({
        customer: 'acme',
        name: 'ponds',
        sql: 'SELECT 1',
        schedule: '0 * * * *',
      }),
      /reserved/,
    );
  });

  it('are all deleted when the customer goes', async () => {
    const slices = new CustomerSlices({
      lakeRoot: fx.etl.lakeRoot,
      writer: new DuckDBSliceWriter(),
      ponds: slicedPonds(defaultPondJobs()),
    });
    await slices.removeAll('globex');
    const root = path.join(fx.etl.lakeRoot, 'customers', 'globex', 'ponds');
    assert.deepEqual(fs.readdirSync(root), []);
    await sync('globex');
  });
});
