/**
 * docs/distributed.md as a user follows it: `faresight up -c docs/distributed/faresight.config.json`
 * on PostgreSQL, NATS JetStream, Redis and S3 (s3rver in-process standing in for the
 * bucket), as a real process. Only what a second deployment on the same servers would
 * change is overridden through FARESIGHT_* variables (ports, database, prefixes, the S3
 * endpoint), so the guide's file itself is what runs. Records posted to ingest must come
 * back through the API (cached in Redis) and land as Parquet in the bucket.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '../config/load-config.js';
import { createGenerator } from '../generator/generator.js';
import { startS3rver } from '../lake/object-store/testing/with-s3rver.js';
import { JetStreamStream } from '../stream/jetstream/jetstream-stream.js';
import { tcpReachable } from '../stream/jetstream/testing/nats-server.js';
import { openObjectStore } from './compose/object-store.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'faresight.mjs');
const guideConfig = join(root, 'docs', 'distributed', 'faresight.config.json');

const missing = [];
for (const [name, port] of [
  ['PostgreSQL', 5432],
  ['Redis', 6379],
  ['NATS', 4222],
] as const)
  if (!(await tcpReachable(port))) missing.push(`${name} on 127.0.0.1:${port}`);
const skip =
  missing.length > 0 && process.env.CI !== 'true' ? `not running: ${missing.join(', ')}` : false;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the distributed guide', { skip }, () => {
  it('runs up on its config: PostgreSQL, JetStream, Redis and S3 end to end', {
    timeout: 240_000,
  }, async () => {
    const run = randomBytes(3).toString('hex');
    const adminKey = `guide-admin-${run}`;
    const database = `faresight_guide_${run}`;
    const admin = new pg.Client({
      connectionString: 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    await admin.connect();
    await admin.query(`create database ${database}`);
    const s3 = await startS3rver('faresight-lake');
    const dataDir = mkdtempSync(join(tmpdir(), 'fs-guide-'));
    const env: Record<string, string> = {
      FARESIGHT_DATA_DIR: dataDir,
      FARESIGHT_INGEST_PORT: '0',
      FARESIGHT_API_PORT: '0',
      FARESIGHT_SQL_PORT: '0',
      FARESIGHT_STREAM_DEPLOYMENT_PREFIX: `guide${run}-`,
      FARESIGHT_ROW_STORE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
      FARESIGHT_CACHE_PREFIX: `guide${run}:`,
      FARESIGHT_LAKE_OBJECT_STORE_ENDPOINT: s3.options.endpoint,
      FARESIGHT_LAKE_ROTATE_SECONDS: '2',
      FARESIGHT_LAKE_BATCH_PERIOD_MS: '200',
      FARESIGHT_API_ADMIN_KEY_SHA256: createHash('sha256').update(adminKey).digest('hex'),
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    const child = spawn(process.execPath, [bin, 'up', '-c', guideConfig], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    try {
      const urls = await new Promise<{ ingest: string; api: string }>((resolve, reject) => {
        const found: Record<string, string> = {};
        createInterface({ input: child.stdout }).on('line', (line) => {
          const m = /^\s+(ingest|api)\s+(https?:\/\/[^/\s]+)/.exec(line);
          if (m) found[m[1]!] = m[2]!;
          if (found.ingest && found.api) resolve(found as { ingest: string; api: string });
        });
        child.on('exit', (code) => reject(new Error(`up exited with ${code}: ${stderr}`)));
      });
      const gen = createGenerator({ seed: 7 });
      const records = Array.from({ length: 50 }, () => gen.next(new Date()));
      const res = await fetch(`${urls.ingest}/v1/ingest/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(records),
      });
      assert.equal(res.status, 202, await res.clone().text());
      assert.equal(((await res.json()) as { accepted: number }).accepted, 50);
      // through JetStream and the real-time runner into PostgreSQL, read through the API
      const markets = await until('markets in the API', async () => {
        const body = (await (await fetch(`${urls.api}/v1/markets?limit=5`)).json()) as {
          markets: unknown[];
        };
        return body.markets.length > 0 ? body.markets : undefined;
      });
      assert.ok(markets.length > 0);
      // the row store's tables are in the deployment's PostgreSQL database
      const db = new pg.Client({
        connectionString: `postgres://postgres@127.0.0.1:5432/${database}`,
      });
      await db.connect();
      try {
        const { rows } = await db.query(
          "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
        );
        assert.ok(rows[0].n > 0, 'no table in the PostgreSQL row store');
      } finally {
        await db.end();
      }
      // the stream is on JetStream under the deployment prefix, and the lake group reads it
      const status = JSON.parse(
        execFileSync(process.execPath, [bin, 'stream', 'status', '-c', guideConfig, '--json'], {
          env: { ...process.env, ...env },
          encoding: 'utf8',
        }),
      );
      assert.equal(status.backend ?? status.info?.backend, 'jetstream', JSON.stringify(status));
      assert.match(JSON.stringify(status), new RegExp(`guide${run}-shopping`));
      // the read was cached in Redis under the deployment's prefix
      await redis.connect();
      const keys = await until('cache keys in Redis', async () => {
        const k = await redis.keys(`guide${run}:*`);
        return k.length > 0 ? k : undefined;
      });
      assert.ok(keys.length > 0);
      // the lake writer put Parquet in the bucket
      process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
      process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
      const config = loadConfig({ file: guideConfig, env }).config;
      const store = await openObjectStore(config);
      try {
        const files = await until('Parquet files in the bucket', async () => {
          const l = await store.list('searches/');
          return l.some((f) => f.key.endsWith('.parquet')) ? l : undefined;
        });
        assert.ok(files.length > 0);
      } finally {
        await store.close();
      }
      // the Console on these backends: every operator page's routes answer with data
      await consoleAnswers(urls, adminKey);
      const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exit, 0, stderr);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      redis.disconnect();
      for (const name of ['shopping', 'dead-letters', 'ingest-stats', 'deals'])
        await JetStreamStream.destroy('127.0.0.1:4222', `guide${run}-${name}`).catch(() => {});
      await admin.query(`drop database if exists ${database} with (force)`).catch(() => {});
      await admin.end();
      await s3.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * What each operator page of the Console reads, on PostgreSQL, JetStream and an S3 lake:
 * the page itself, the Overview's points, the stream and its groups, a decoded message,
 * a refused record among the dead letters (through the lake in the bucket), the lake's
 * tables and state, an ETL run started and finished (its operation kept in PostgreSQL),
 * and a customer added and listed.
 */
async function consoleAnswers(urls: { ingest: string; api: string }, key: string): Promise<void> {
  const admin = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${urls.api}/admin/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${key}`,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    assert.ok(res.status === 200 || res.status === 202, `${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const page = await fetch(`${urls.api}/console/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
  await until('Overview points', async () => {
    const m = await admin('/metrics?window=15m');
    return m.points.length > 0 ? m : undefined;
  });
  const stream = await admin('/stream');
  assert.equal(stream.backend, 'jetstream');
  assert.ok(stream.shards > 0 && stream.groups.includes('lake'), JSON.stringify(stream));
  const messages = await admin('/messages?limit=1');
  assert.ok(messages.messages[0].record.offers.length > 0, 'a message decoded with its offers');
  const refused = await fetch(`${urls.ingest}/v1/ingest/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ id: 'guide-broken-1', origin: 'JFK' }]),
  });
  assert.equal(((await refused.json()) as { accepted: number }).accepted, 0);
  const dead = await until('the refused record among the dead letters', async () => {
    const d = await admin('/dead-letters?vendor=generic&limit=10');
    return d.deadLetters?.length > 0 ? d : undefined;
  });
  assert.equal(dead.deadLetters[0].vendor, 'generic');
  const counts = await admin('/dead-letters/counts?bucket=minute&vendor=generic');
  assert.ok(counts.points.length > 0);
  const tables = await admin('/lake/tables');
  assert.ok(tables.tables.some((t: { name: string }) => t.name === 'searches'));
  const state = await admin('/lake/state');
  assert.ok(state.tables.find((t: { table: string }) => t.table === 'searches').files > 0);
  const jobs = await admin('/etl/jobs');
  const job = jobs.jobs[0].job as string;
  const started = await admin('/etl/operations', { method: 'POST', body: { job } });
  const done = await until('the ETL run', async () => {
    const op = await admin(`/etl/operations/${started.id}`);
    return op.status === 'running' ? undefined : op;
  });
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  await admin('/customers', { method: 'POST', body: { name: 'guideco' } });
  const customers = await admin('/customers');
  assert.ok(customers.customers.some((c: { name: string }) => c.name === 'guideco'));
}
