import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeLakeRecords } from '../etl/testing/lake-fixture.js';
import { createGenerator } from '../generator/generator.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-etl-cli-'));
const cfg = path.join(dir, 'faresight.config.json');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/testing/etl-cli-harness.ts', '-c', cfg, ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (err, out, errOut) => resolve({ code: err ? Number(err.code) || 1 : 0, out, err: errOut }),
    );
  });
}

before(async () => {
  fs.writeFileSync(cfg, JSON.stringify({ dataDir: path.join(dir, 'data'), logLevel: 'warn' }));
  const g = createGenerator({ seed: 5, start: new Date('2025-04-07T00:00:00Z') });
  const t0 = Date.parse('2025-04-07T00:00:00Z');
  await writeLakeRecords(
    path.join(dir, 'data'),
    Array.from({ length: 200 }, (_, i) => g.next(new Date(t0 + i * 600_000))),
  );
});

describe('faresight etl and customers', () => {
  it('runs a job, backfills, manages customers and runs a customer job', async () => {
    const run = await cli('etl', 'run', 'market_demand_daily');
    assert.equal(run.code, 0, run.err);
    assert.match(
      run.out,
      /market_demand_daily: run \d+, 2 changed input partitions|changed input partitions/,
    );
    const bad = await cli('etl', 'run', 'nope');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /no ETL job "nope" \(known: market_demand_daily/);
    const back = await cli(
      'etl',
      'backfill',
      'market_demand_daily',
      '--from',
      '2025-04-07',
      '--to',
      '2025-04-09',
    );
    assert.equal(back.code, 0, back.err);
    assert.match(back.out, /3 day partitions from 2025-04-07 to 2025-04-09, \d+ rows/);
    const badDate = await cli(
      'etl',
      'backfill',
      'market_demand_daily',
      '--from',
      '2025-13-01',
      '--to',
      '2025-04-09',
    );
    assert.match(badDate.err, /--from must be a date YYYY-MM-DD/);

    const add = await cli('customers', 'add', 'acme');
    assert.equal(add.code, 0, add.err);
    assert.match(add.out.trim(), /^fsk_[A-Za-z0-9_-]{32}$/);
    const dup = await cli('customers', 'add', 'acme');
    assert.match(dup.err, /customer "acme" already exists/);
    const g = await cli('customers', 'grant', 'acme', 'market_demand_daily', '--pos', 'us,gb');
    assert.equal(g.code, 0, g.err);
    // it says what it did (it once printed nothing)
    assert.match(
      g.err,
      /granted market_demand_daily to acme \(points of sale US,GB\): table market_demand_daily in its SQL/,
    );
    const g2 = await cli(
      'customers',
      'grant',
      'acme',
      'airport_demand_weekly',
      '--markets',
      'JFK-LAX',
    );
    assert.match(g2.err, /has no market column/);
    const job = await cli(
      'customers',
      'job',
      'acme',
      'by_cabin',
      '--sql',
      'SELECT cabin, sum(searches) AS searches FROM market_demand_daily GROUP BY cabin',
      '--schedule',
      '0 * * * *',
    );
    assert.equal(job.code, 0, job.err);
    const bad2 = await cli(
      'customers',
      'job',
      'acme',
      'evil',
      '--sql',
      "SELECT * FROM read_parquet('/etc/x')",
    );
    assert.equal(bad2.code, 0, 'saved; refused when it runs');
    const cj = await cli('etl', 'run', 'customer:acme/by_cabin');
    assert.equal(cj.code, 0, cj.err);
    assert.match(cj.out, /customer:acme\/by_cabin: \d+ rows/);
    assert.ok(fs.existsSync(path.join(dir, 'data/lake/customers/acme/by_cabin/data.parquet')));
    const evil = await cli('etl', 'run', 'customer:acme/evil');
    assert.equal(evil.code, 1);
    assert.match(evil.err, /table function read_parquet\(\) is not allowed/);

    // sum() of integers is HUGEINT, which `etl ddl` could not map to Hive.
    const ddl = await cli('etl', 'ddl', '--location', 's3://bucket/lake');
    assert.equal(ddl.code, 0, ddl.err);
    assert.match(ddl.out, /`faresight`.`customer_acme_by_cabin` \([\s\S]*`searches` double/);
    assert.match(ddl.out, /`faresight`.`market_demand_daily`/);
    assert.doesNotMatch(ddl.err, /warning/);
    const local = await cli('etl', 'ddl');
    assert.equal(local.code, 0, local.err);
    assert.match(local.err, /warning: LOCATION is a local path/);

    const list = await cli('customers', 'list');
    assert.match(list.out, /acme[\s\S]*grant market_demand_daily pos=US,GB[\s\S]*job {3}by_cabin/);
    const status = await cli('etl', 'status');
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /market_demand_daily\s+\*\/5 \* \* \* \*\s+succeeded/);
    assert.match(status.out, /fare_trends\s+\S+ \S+ \S+ \S+ \S+\s+never run/);
    assert.match(status.out, /customer:acme\/evil .*failed/);
    const rev = await cli('customers', 'revoke', 'acme', 'fare_trends');
    assert.match(rev.err, /has no grant on "fare_trends"/);
    const revoked = await cli('customers', 'revoke', 'acme', 'market_demand_daily');
    assert.equal(revoked.code, 0, revoked.err);
    assert.match(revoked.err, /revoked market_demand_daily from acme/);
    const dropped = await cli('customers', 'drop-job', 'acme', 'evil');
    assert.match(dropped.err, /job customer:acme\/evil removed/);
    const removed = await cli('customers', 'remove', 'acme');
    assert.match(removed.err, /customer acme removed/);
    assert.match((await cli('customers', 'list')).out, /no customers/);
  });
});
