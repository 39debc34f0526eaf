/**
 * Ingest on a thread of its own (ingest-thread.ts): it takes posts onto the shared
 * embedded stream, answers its totals and metrics, prints its log lines through the
 * platform's logger, comes back on the same port when its thread dies, fails to start
 * with the thread's error, and, inside `startPlatform`, answers while the platform's own
 * event loop is blocked.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Config, configSchema } from '../../config/config.js';
import { createGenerator } from '../../generator/generator.js';
import { createLogger, silentLogger } from '../../ops/logger.js';
import { startPlatform } from '../platform.js';
import { startIngestThread } from './ingest-thread.js';
import { openStream } from './stream.js';

const root = mkdtempSync(join(tmpdir(), 'fs-ingest-thread-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function config(port = 0): Config {
  return configSchema.parse({
    dataDir: join(root, `d${dirs++}`),
    ingest: { host: '127.0.0.1', port, statsIntervalSeconds: 1 },
    api: { host: '127.0.0.1', port: 0 },
    sql: { host: '127.0.0.1', port: 0 },
    realtime: { batch: { periodMs: 100 } },
    lake: { batch: { periodMs: 200 }, rotateSeconds: 1, compactEveryMinutes: 0 },
  });
}

function post(url: string, n: number, seed = 1): Promise<Response> {
  const gen = createGenerator({ seed });
  return fetch(`${url}/v1/ingest/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(Array.from({ length: n }, () => gen.next(new Date()))),
  });
}

/** Records of the configured shopping stream that the group `probe` has not read: all of them. */
async function onStream(cfg: Config): Promise<number> {
  const stream = await openStream(cfg, silentLogger);
  try {
    return (await stream.lag('probe')).reduce((n, l) => n + l.records, 0);
  } finally {
    await stream.close();
  }
}

describe('ingest on a thread of its own', () => {
  it('takes posts onto the stream, answers totals and metrics, logs through the caller', {
    timeout: 60_000,
  }, async () => {
    const cfg = config();
    const lines: string[] = [];
    const logger = createLogger('info', 'ingest', (l) => lines.push(l));
    const ingest = await startIngestThread({ config: cfg, logger });
    try {
      assert.match(ingest.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(
        lines.some((l) => l.includes('[ingest] ingest listening')),
        `the thread's start is logged here: ${lines.join('')}`,
      );
      const res = await post(ingest.url, 25);
      assert.equal(res.status, 202, await res.text());
      assert.equal(await onStream(cfg), 25, 'another opening of the stream reads what it took');
      const totals = await ingest.totals();
      assert.equal(totals.records, 25);
      assert.equal(totals.requests, 1);
      const metrics = await ingest.registry.getMetricsAsJSON();
      const records = metrics.find((m) => m.name === 'faresight_ingest_records_total');
      assert.ok(records, `ingest's counters: ${metrics.map((m) => m.name).join(', ')}`);
      assert.equal(
        records.values.reduce((n, v) => n + v.value, 0),
        25,
      );
    } finally {
      await ingest.stop();
    }
    await assert.rejects(fetch(ingest.url), 'nothing listens once it stopped');
    assert.deepEqual(await ingest.totals().catch((e: Error) => e.name), 'IngestThreadError');
  });

  it('comes back on the port it bound when its thread dies', { timeout: 60_000 }, async () => {
    const cfg = config();
    const lines: string[] = [];
    const ingest = await startIngestThread({
      config: cfg,
      logger: createLogger('info', 'ingest', (l) => lines.push(l)),
    });
    try {
      assert.equal((await post(ingest.url, 3, 1)).status, 202);
      ingest.crashForTesting();
      for (let i = 0; !lines.some((l) => l.includes('ingest thread restarted')); i++) {
        assert.ok(i < 200, `no restart: ${lines.join('')}`);
        await sleep(100);
      }
      assert.ok(lines.some((l) => l.includes('ingest thread died; starting a new one')));
      const again = await post(ingest.url, 4, 2);
      assert.equal(again.status, 202, 'the same URL takes posts again');
      assert.equal((await ingest.totals()).records, 4, 'the new thread counts from 0');
      assert.equal(await onStream(cfg), 7, 'nothing acknowledged before the crash is lost');
    } finally {
      await ingest.stop();
    }
  });

  it('fails to start with the thread’s error, and leaves nothing running', {
    timeout: 60_000,
  }, async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      await assert.rejects(
        startIngestThread({ config: config(port), logger: silentLogger }),
        (err: Error) => err.name === 'IngestThreadError' && /EADDRINUSE/.test(err.message),
      );
    } finally {
      taken.close();
    }
  });

  it('in the platform, answers while the platform’s event loop is blocked', {
    timeout: 120_000,
  }, async () => {
    const platform = await startPlatform(config(), silentLogger);
    try {
      // spawnSync holds this thread (the platform's event loop) until the child is done:
      // only an ingest that runs elsewhere can answer the child's post.
      const gen = createGenerator({ seed: 3 });
      const body = JSON.stringify([gen.next(new Date())]);
      const child = spawnSync(
        process.execPath,
        [
          '-e',
          `fetch(process.argv[1], { method: 'POST', headers: { 'content-type': 'application/json' }, body: process.argv[2] }).then((r) => console.log(r.status))`,
          `${platform.ingestUrl}/v1/ingest/generic`,
          body,
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
      assert.equal(child.signal, null, 'the post was answered (not killed at the timeout)');
      assert.equal(child.stdout.trim(), '202', child.stderr);
      assert.equal((await platform.ingestTotals()).records, 1);
    } finally {
      await platform.stop();
    }
  });
});
