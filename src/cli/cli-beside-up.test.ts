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
import { after, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { EtlStore } from '../etl/etl-store.js';
import { createGenerator } from '../generator/generator.js';
import { silentLogger } from '../ops/logger.js';
import { CustomerStore } from '../tenancy/customer-store.js';
import { adminEndpointPath } from './admin-endpoint.js';
import { startPlatform } from './platform.js';

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

describe('the CLI beside a running platform on PGlite', () => {
  it('adds and grants customers, runs and backfills ETL, exports the graph through the admin API', {
    timeout: 300_000,
  }, async () => {
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
    const adminKeySha256 = createHash('sha256').update('beside-up-admin').digest('hex');
    const platform = await startPlatform(config, silentLogger, { adminKeySha256 });
    let stopped = false;
    try {
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

      await platform.stop();
      stopped = true;
      assert.equal(existsSync(file), false, 'the endpoint file goes with the platform');
      const again = await cli('customers', 'list');
      assert.equal(again.code, 0, again.err);
      assert.doesNotMatch(again.err, /through the platform/);
      assert.match(again.out, /acme/);
    } finally {
      if (!stopped) await platform.stop();
    }
  });
});
