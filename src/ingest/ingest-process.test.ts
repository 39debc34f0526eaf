/**
 * Ingest as a user runs it: HTTPS with a configured certificate, and `faresight ingest
 * --workers 2` sharing one port, both over real sockets.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { sampleRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { createAdapters } from '../vendors/adapters.js';
import { startIngest } from './ingest-server.js';
import { openIngestStream } from './testing/ingest-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-ingest-proc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(import.meta.dirname, '..', '..', 'bin', 'faresight.mjs');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

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
    const port = await freePort();
    const dataDir = join(dir, 'workers');
    const p = spawn(process.execPath, [bin, 'ingest', '--workers', '2', '--port', String(port)], {
      env: { ...process.env, FARESIGHT_DATA_DIR: dataDir, FARESIGHT_INGEST_HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // Whatever this test waits on, the child must not outlive it: a stuck child would
    // keep the test file, and so the whole suite, running after the test times out.
    const guard = setTimeout(() => p.kill('SIGKILL'), 85_000);
    guard.unref();
    p.on('exit', () => clearTimeout(guard));
    try {
      const listening = new Set<string>();
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: p.stderr! }).on('line', (line) => {
          const m = /\[(ingest-\d+)\] ingest listening/.exec(line);
          if (m) listening.add(m[1]!);
          if (listening.size === 2) resolve();
        });
        p.on('exit', (code) => reject(new Error(`ingest exited early with ${code}`)));
      });
      p.removeAllListeners('exit');
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          fetch(`http://127.0.0.1:${port}/v1/ingest/generic`, {
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
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const requests = text
          .split('\n')
          .filter((l) => l.startsWith('faresight_ingest_requests_total{'))
          .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
        assert.equal(requests, 40, text);
      }
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
});
