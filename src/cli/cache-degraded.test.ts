/**
 * `faresight api` with cache.backend=redis and Redis unreachable at start: it starts
 * anyway, answers from the row store, says it is degraded on /healthz and in the log, and
 * uses the cache once Redis comes up (a private redis-server on a port of its own; the
 * machine's Redis is never touched).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { privateRedis } from './faults/private-services.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-cache-degraded-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(import.meta.dirname, '..', '..', 'bin', 'faresight.mjs');

/** Polls `read` every 200 ms until `ok` holds; fails after 60 s. */
async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('faresight api with Redis down at start', () => {
  it('starts, answers from the row store, reports degraded, then uses Redis once it is up', async (t) => {
    const redis = await privateRedis();
    if (!redis) {
      const reason = 'redis-server is not installed (Debian package redis-server)';
      if (process.env.CI === 'true') assert.fail(reason);
      t.skip(reason);
      return;
    }
    const p = spawn(process.execPath, [bin, 'api', '--port', '0'], {
      env: {
        ...process.env,
        FARESIGHT_DATA_DIR: join(dir, 'data'),
        FARESIGHT_CACHE_BACKEND: 'redis',
        FARESIGHT_CACHE_REDIS_URL: redis.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    p.stderr!.on('data', (b) => {
      log += b;
    });
    const exited = new Promise((r) => p.on('exit', r));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: p.stdout! }).on('line', (line) => {
          const m = /API: (http:\/\/\S+)\/v1\/markets/.exec(line);
          if (m) resolve(m[1]!);
        });
        p.on('exit', (code) => reject(new Error(`api exited with ${code}:\n${log}`)));
      });
      const markets = await fetch(`${url}/v1/markets`);
      assert.equal(markets.status, 200, 'answers from the row store');
      const health = async () => {
        const r = await fetch(`${url}/healthz`);
        return { status: r.status, body: (await r.json()) as { status: string; cache?: string } };
      };
      const degraded = await health();
      assert.equal(degraded.status, 200);
      assert.equal(degraded.body.status, 'degraded');
      assert.match(degraded.body.cache ?? '', /Redis at 127\.0\.0\.1:\d+ is not answering/);
      assert.match(log, /warn .*cache degraded/);

      await redis.start();
      await until('healthz ok once Redis is up', health, (h) => h.body.status === 'ok');
      assert.equal((await fetch(`${url}/v1/markets`)).status, 200);
      assert.match(log, /cache reconnected/);
    } finally {
      p.kill('SIGTERM');
      await exited;
      await redis.stop();
    }
  });
});
