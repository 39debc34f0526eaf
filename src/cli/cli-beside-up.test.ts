/**
 * `faresight customers`, `etl run`, `etl backfill` and `graph export` beside a running
 * platform on the embedded row store (PGlite admits one process): the commands go
 * through the platform's admin API, found in the data directory's endpoint file, and
 * their effects are read back from the platform itself. Once it stops, they open the
 * row store directly again.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { EtlStore } from '../etl/etl-store.js';
import { createGenerator } from '../generator/generator.js';
import { silentLogger } from '../ops/logger.js';
import { CustomerStore } from '../tenancy/customer-store.js';
import { adminEndpointPath } from './admin-endpoint.js';
import { type Platform, startPlatform } from './platform.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-cli-beside-up-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const dataDir = join(dir, 'data');
const cfg = join(dir, 'faresight.config.json');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/testing/etl-cli-harness.ts', '-c', cfg, ...args],
      { encoding: 'utf8', timeout: 120_000 },
      (err, out, errOut) => resolve({ code: err ? Number(err.code) || 1 : 0, out, err: errOut }),
    );
  });
}

const ADMIN_KEY = 'beside-up-admin';
let platform: Platform;
let stopped = false;
before(async () => {
  writeFileSync(cfg, JSON.stringify({ dataDir, logLevel: 'warn' }));
  const config = configSchema.parse({
    dataDir,
    ingest: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    sql: { host: '127.0.0.1', port: 0 },
    realtime: { batch: { periodMs: 100 } },
    lake: { batch: { periodMs: 200 }, rotateSeconds: 1, compactEveryMinutes: 0 },
  });
  assert.equal(config.rowStore.backend, 'pglite');
  const adminKeySha256 = createHash('sha256').update(ADMIN_KEY).digest('hex');
  platform = await startPlatform(config, silentLogger, { adminKeySha256 });
});
after(async () => {
  if (!stopped) await platform.stop();
});

describe('the CLI beside a running platform on PGlite', () => {
  it('adds and grants customers, runs and backfills ETL, exports the graph through the admin API', {
    timeout: 300_000,
  }, async () => {
    {
      const file = adminEndpointPath(dataDir);
      assert.equal(statSync(file).mode & 0o777, 0o600, 'the endpoint file is the user’s only');
      const endpoint = JSON.parse(readFileSync(file, 'utf8')) as { url: string; pid: number };
      assert.equal(endpoint.url, platform.apiUrl);
      assert.equal(endpoint.pid, process.pid);

      // records for the lake (ETL input) and the route graph
      const gen = createGenerator({ seed: 11 });
      const res = await fetch(`${platform.ingestUrl}/v1/ingest/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(Array.from({ length: 300 }, () => gen.next(new Date()))),
      });
      assert.equal(res.status, 202);
      for (let i = 0; platform.lake.stats().files === 0 || i < 5; i++) await sleep(300);

      const add = await cli('customers', 'add', 'acme');
      assert.equal(add.code, 0, add.err);
      const key = add.out.trim();
      assert.match(key, /^fsk_/);
      assert.match(add.err, /through the platform running as pid/);
      const customers = new CustomerStore(platform.rowStore.client);
      assert.equal(await customers.verify('acme', key), true, 'the platform takes the new key');
      const grant = await cli('customers', 'grant', 'acme', 'market_demand_daily', '--pos', 'us');
      assert.equal(grant.code, 0, grant.err);
      assert.deepEqual(await customers.grants('acme'), [
        { pond: 'market_demand_daily', pos: ['US'] },
      ]);
      const job = await cli('customers', 'job', 'acme', 'n', '--sql', 'SELECT 1 AS one');
      assert.equal(job.code, 0, job.err);
      const list = await cli('customers', 'list');
      assert.match(list.out, /acme[\s\S]*grant market_demand_daily pos=US[\s\S]*job {3}n/);
      const dup = await cli('customers', 'add', 'acme');
      assert.equal(dup.code, 1);
      assert.match(dup.err, /already exists/);

      const run = await cli('etl', 'run', 'market_demand_daily');
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /market_demand_daily: run \d+, \d+ changed input partitions/);
      const runs = await new EtlStore(platform.rowStore.client).runs({
        job: 'market_demand_daily',
      });
      assert.ok(
        runs.some((r) => r.status === 'succeeded'),
        'the run is in the platform’s history',
      );
      const day = new Date().toISOString().slice(0, 10);
      const back = await cli('etl', 'backfill', 'market_demand_daily', '--from', day, '--to', day);
      assert.equal(back.code, 0, back.err);
      assert.match(back.out, new RegExp(`1 day partitions from ${day} to ${day}, \\d+ rows`));
      const unknown = await cli('etl', 'run', 'nope');
      assert.equal(unknown.code, 1);
      assert.match(unknown.err, /no ETL job "nope"/);

      const out = join(dir, 'graph');
      const graph = await cli('graph', 'export', '--out', out);
      assert.equal(graph.code, 0, graph.err);
      const direct = await platform.rowStore.exportGraph('USD');
      assert.equal(readFileSync(join(out, 'routes.csv'), 'utf8'), direct.edges);
      assert.equal(readFileSync(join(out, 'airports.csv'), 'utf8'), direct.nodes);
    }
  });

  let ddlBeside = '';
  let statusBeside = '';
  it('shows ETL status and pond DDL through the admin API', { timeout: 120_000 }, async () => {
    const status = await cli('etl', 'status');
    assert.equal(status.code, 0, status.err);
    assert.match(status.err, /through the platform running as pid/);
    const lines = status.out.trimEnd().split('\n');
    assert.match(
      lines[0]!,
      /^job +schedule +last +last start \(UTC\) +last success +failures +rows$/,
    );
    assert.match(status.out, /\nmarket_demand_daily +\S+( \S+){4} +succeeded +\d{4}-\d\d-\d\dT/);
    assert.match(status.out, /\ncustomer:acme\/n +/);
    assert.match(status.out, /\ndemand_forecast +/);
    statusBeside = status.out;
    const ddl = await cli('etl', 'ddl');
    assert.equal(ddl.code, 0, ddl.err);
    assert.match(ddl.err, /through the platform running as pid/);
    assert.match(ddl.out, /CREATE EXTERNAL TABLE IF NOT EXISTS `faresight`.`market_demand_daily`/);
    assert.ok(
      ddl.out.includes(`LOCATION 'file://${join(dataDir, 'lake')}/ponds/market_demand_daily/'`),
      ddl.out,
    );
    const s3 = await cli('etl', 'ddl', '--location', 's3://b/p', '--database', 'x');
    assert.equal(s3.code, 0, s3.err);
    assert.match(
      s3.out,
      /`x`.`market_demand_daily`[\s\S]*LOCATION 's3:\/\/b\/p\/ponds\/market_demand_daily\/'/,
    );
    ddlBeside = ddl.out;
  });

  it('admin API: messages, dead-letter counts and filtered re-drive, lake downloads and state', {
    timeout: 120_000,
  }, async () => {
    const admin = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${platform.apiUrl}/admin/v1${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          ...(init.body ? { 'content-type': 'application/json' } : {}),
        },
      });
      return res;
    };
    const json = async (path: string, init: RequestInit = {}) => {
      const res = await admin(path, init);
      assert.equal(res.status, 200, `${path}: ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const one = (await json('/messages?limit=1')) as {
      messages: { id: string; key: string; record: { offers: unknown[] } }[];
    };
    const m = one.messages[0]!;
    assert.ok(m.record.offers.length > 0, 'decoded with its offers');
    const byMarket = (await json(`/messages?market=${m.key}&limit=500`)) as {
      messages: { key: string }[];
    };
    assert.ok(byMarket.messages.length > 0 && byMarket.messages.every((x) => x.key === m.key));
    assert.equal((await admin('/messages?seq=4')).status, 400);

    // a record refused by ingest (no offers' currency): a dead letter, counted per hour
    const bad = await fetch(`${platform.ingestUrl}/v1/ingest/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 'broken-1', origin: 'JFK' }]),
    });
    assert.equal(((await bad.json()) as { accepted: number }).accepted, 0);
    let counts: { points: { vendor: string; n: number }[] } = { points: [] };
    for (let i = 0; i < 100 && counts.points.length === 0; i++) {
      await sleep(300);
      counts = (await json('/dead-letters/counts?bucket=minute&vendor=generic')) as typeof counts;
    }
    assert.deepEqual(
      counts.points.map((p) => [p.vendor, p.n]),
      [['generic', 1]],
    );
    const redriven = (await json('/dead-letters/redrive', {
      method: 'POST',
      body: JSON.stringify({ vendor: 'generic' }),
    })) as { outcomes: { id: string; status: number; accepted: number; rejected: number }[] };
    assert.equal(redriven.outcomes.length, 1);
    const o = redriven.outcomes[0]!;
    assert.deepEqual(
      [o.status, o.accepted, o.rejected],
      [bad.status, 0, 1],
      'refused again: its outcome says so',
    );

    const sql = encodeURIComponent('SELECT id FROM searches ORDER BY id');
    const csv = await admin(`/lake/export?format=csv&sql=${sql}`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-disposition') ?? '', /result\.csv/);
    const lines = (await csv.text()).trim().split('\n');
    assert.equal(lines[0], 'id');
    const n = Number(
      (
        (await json('/lake/sql', {
          method: 'POST',
          body: JSON.stringify({ sql: 'SELECT count(*) AS n FROM searches' }),
        })) as { rows: { n: number }[] }
      ).rows[0]!.n,
    );
    assert.equal(lines.length - 1, n, 'every row, past the 1000 of the result table');
    const parquet = await admin(`/lake/export?format=parquet&sql=${sql}`);
    assert.equal(parquet.status, 200);
    const bytes = Buffer.from(await parquet.arrayBuffer());
    assert.equal(bytes.subarray(0, 4).toString(), 'PAR1');
    assert.equal((await admin(`/lake/export?sql=${encodeURIComponent('SELEC nope')}`)).status, 400);
    const state = (await json('/lake/state')) as {
      tables: { table: string; files: number; smallFiles: number; lifecycle: unknown }[];
    };
    const searches = state.tables.find((t) => t.table === 'searches')!;
    assert.ok(searches.files > 0 && searches.smallFiles === searches.files, 'nothing compacted');
    assert.deepEqual(searches.lifecycle, { toArchive: [], toDelete: [] });
  });

  it('opens the row store directly once the platform is gone', { timeout: 120_000 }, async () => {
    const file = adminEndpointPath(dataDir);
    await platform.stop();
    stopped = true;
    assert.equal(existsSync(file), false, 'the endpoint file goes with the platform');
    const again = await cli('customers', 'list');
    assert.equal(again.code, 0, again.err);
    assert.doesNotMatch(again.err, /through the platform/);
    assert.match(again.out, /acme/);
    // etl status and ddl read the same row store directly: the same jobs and DDL.
    const status = await cli('etl', 'status');
    assert.equal(status.code, 0, status.err);
    const jobs = (out: string) =>
      out
        .split('\n')
        .map((l) => l.split(/ +/)[0])
        .filter(Boolean);
    assert.deepEqual(jobs(status.out), jobs(statusBeside));
    const ddl = await cli('etl', 'ddl');
    assert.equal(ddl.code, 0, ddl.err);
    const block = (out: string) =>
      out.split('\n\n').find((b) => b.includes('`market_demand_daily`'));
    assert.ok(block(ddl.out));
    assert.equal(block(ddlBeside), block(ddl.out));
  });
});
