/**
 * Ingest as a user runs it: HTTPS with a configured certificate, and `faresight ingest
 * --workers 2` sharing one port, both over real sockets.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { sampleRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { freePort } from '../ops/testing/ports.js';
import { createAdapters } from '../vendors/adapters.js';
import { startIngest } from './ingest-server.js';
import { openIngestStream } from './testing/ingest-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-ingest-proc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(import.meta.dirname, '..', '..', 'bin', 'faresight.mjs');

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('ingest processes', () => {
  it('serves HTTPS when a certificate and key are configured', {
    skip: !hasOpenssl() && 'openssl is not installed',
  }, async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const stream = await openIngestStream(join(dir, 'tls'), 'shopping');
    const config = configSchema.parse({
      ingest: { host: '127.0.0.1', port: 0, tlsCert: cert, tlsKey: key },
    });
    const svc = await startIngest({
      config,
      stream,
      adapters: createAdapters(),
      logger: silentLogger,
    });
    try {
      assert.match(svc.url, /^https:/);
      const body = JSON.stringify(sampleRecord(1));
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          `${svc.url}/v1/ingest/generic`,
          {
            method: 'POST',
            ca: readFileSync(cert),
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      assert.equal(status, 202);
    } finally {
      await svc.stop();
      await stream.close();
    }
  });

  it('runs --workers 2 on one port, every acknowledged record stored once', {
    timeout: 90_000,
  }, async () => {
    const dataDir = join(dir, 'workers');
    // port 0: the primary picks a free port once and every worker shares it, so no other
    // test can take the port between choosing and listening (a free port chosen here and
    // passed in could be)
    const p = spawn(process.execPath, [bin, 'ingest', '--workers', '2', '--port', '0'], {
      env: { ...process.env, FARESIGHT_DATA_DIR: dataDir, FARESIGHT_INGEST_HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // Whatever this test waits on, the child must not outlive it: a stuck child would
    // keep the test file, and so the whole suite, running after the test times out.
    const guard = setTimeout(() => p.kill('SIGKILL'), 85_000);
    guard.unref();
    p.on('exit', () => clearTimeout(guard));
    const log: string[] = [];
    try {
      const listening = new Map<string, string>();
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: p.stderr! }).on('line', (line) => {
          log.push(line);
          const m = /\[(ingest-\d+)\] ingest listening on=(\S+)/.exec(line);
          if (m) listening.set(m[1]!, m[2]!);
          if (listening.size === 2) resolve();
        });
        p.on('exit', (code, signal) =>
          reject(new Error(`ingest exited early with ${code ?? signal}:\n${log.join('\n')}`)),
        );
      });
      p.removeAllListeners('exit');
      const urls = new Set(listening.values());
      assert.equal(urls.size, 1, `the workers listen on one address: ${[...urls].join(', ')}`);
      const [url] = urls;
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          fetch(`${url}/v1/ingest/generic`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            // every request twice: a retry that may land on the other worker
            body: JSON.stringify(sampleRecord(i % 20)),
          }).then((r) => r.status),
        ),
      );
      assert.ok(
        statuses.every((s) => s === 202),
        statuses.join(','),
      );
      // /metrics answers for all workers, whichever one the request lands on
      for (let i = 0; i < 4; i++) {
        const text = await (await fetch(`${url}/metrics`)).text();
        const requests = text
          .split('\n')
          .filter((l) => l.startsWith('faresight_ingest_requests_total{'))
          .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
        assert.equal(requests, 40, text);
      }
      // a worker that dies after it started is replaced, and the port keeps serving
      const workers = execFileSync('pgrep', ['-P', String(p.pid)], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map(Number);
      assert.equal(workers.length, 2, `worker pids: ${workers.join(', ')}`);
      const replaced = new Promise<void>((resolve) =>
        createInterface({ input: p.stderr! }).on('line', (line) => {
          if (/\[ingest-3\] ingest listening/.test(line)) resolve();
        }),
      );
      process.kill(workers[0]!, 'SIGKILL');
      await replaced;
      assert.match(log.join('\n'), /ingest worker died, starting another/);
      const again = await fetch(`${url}/v1/ingest/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sampleRecord(0)),
      });
      assert.equal(again.status, 202);
      await new Promise((resolve) => {
        p.on('exit', resolve);
        p.kill('SIGTERM');
      });
    } finally {
      // a failed assertion must not leave the cluster running: it would keep this test
      // file, and so the whole suite, alive (how the suite hung at 91dfed7)
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    const stream = await openIngestStream(join(dataDir, 'stream'), 'shopping', { shards: 8 });
    try {
      const c = await stream.consumer('check', { count: 1000, bytes: 1 << 30, periodMs: 20 });
      const ids = (await c.read()).records.map((r) => r.id).sort();
      assert.deepEqual(ids, Array.from({ length: 20 }, (_, i) => `generic:rec-${i}`).sort());
    } finally {
      await stream.close();
    }
  });

  it('--workers 2 whose workers cannot start exits non-zero with their error, not hanging', {
    timeout: 90_000,
  }, async () => {
    // Nothing listens on this port: each worker fails to open the stream. A worker used to
    // print its error and then live on (its IPC channel to the primary kept it alive), so
    // the primary neither replaced it nor gave up, and the command hung for good.
    const nowhere = await freePort();
    const p = spawn(process.execPath, [bin, 'ingest', '--workers', '2', '--port', '0'], {
      env: {
        ...process.env,
        FARESIGHT_DATA_DIR: join(dir, 'workers-fail'),
        FARESIGHT_INGEST_HOST: '127.0.0.1',
        FARESIGHT_STREAM_BACKEND: 'jetstream',
        FARESIGHT_STREAM_SERVERS: `nats://127.0.0.1:${nowhere}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const guard = setTimeout(() => p.kill('SIGKILL'), 80_000);
    guard.unref();
    let stderr = '';
    p.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      p.on('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(guard);
    assert.equal(signal, null, `killed by the test's guard: it hung\n${stderr}`);
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(`cannot connect to NATS at nats://127.0.0.1:${nowhere}`));
    assert.match(stderr, /ingest workers cannot start/);
  });
});
