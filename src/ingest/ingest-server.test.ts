import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { configSchema } from '../config/config.js';
import { decodeRecord } from '../model/codec.js';
import { decodeDeadLetter } from '../model/dead-letter.js';
import { sampleRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import type { EmbeddedStream } from '../stream/embedded/embedded-stream.js';
import type { Stream, StreamRecord } from '../stream/stream.js';
import { createAdapters } from '../vendors/adapters.js';
import { createIngestApp, startIngest } from './ingest-server.js';
import { openIngestStream } from './testing/ingest-stream.js';
import { postIngest } from './testing/with-ingest.js';
import { hashToken } from './vendor-auth.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-ingest-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function openStream(
  name: string,
  opts: { maxPendingRecords?: number } = {},
): Promise<EmbeddedStream> {
  return openIngestStream(dir, `${name}-${n++}`, { shards: 4, ...opts });
}

async function readAll(s: Stream): Promise<StreamRecord[]> {
  const c = await s.consumer(`t${n++}`, { count: 100_000, bytes: 1 << 30, periodMs: 10 });
  const b = await c.read();
  await c.close();
  return [...b.records];
}

interface Env {
  stream: EmbeddedStream;
  deadLetters: EmbeddedStream;
  statsStream: EmbeddedStream;
  app: ReturnType<typeof createIngestApp>['app'];
  registry: ReturnType<typeof createIngestApp>['registry'];
}

async function withIngest(
  config: Record<string, unknown>,
  fn: (e: Env) => Promise<void>,
  streamOpts = {},
) {
  const stream = await openStream('shop', streamOpts);
  const deadLetters = await openStream('dl');
  const statsStream = await openStream('stats');
  const { app, registry } = createIngestApp({
    config: configSchema.parse({ ingest: config }),
    stream,
    deadLetters,
    statsStream,
    adapters: createAdapters(),
    logger: silentLogger,
  });
  try {
    await fn({ stream, deadLetters, statsStream, app, registry });
  } finally {
    await app.close();
    await Promise.all([stream.close(), deadLetters.close(), statsStream.close()]);
  }
}

const post = postIngest;

describe('ingest service', () => {
  it('accepts a JSON array, answers 202 with the count, and the records are in the stream', async () => {
    await withIngest({}, async ({ app, stream }) => {
      const recs = [sampleRecord(1), sampleRecord(2), sampleRecord(3)];
      const res = await post(app, JSON.stringify(recs));
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual(res.json(), { accepted: 3, duplicates: 0, offers: 3, rejected: [] });
      const stored = await readAll(stream);
      assert.deepEqual(stored.map((r) => decodeRecord(r.data).id).sort(), [
        'rec-1',
        'rec-2',
        'rec-3',
      ]);
      const first = decodeRecord(stored.find((r) => r.id === 'generic:rec-1')!.data);
      assert.equal(first.origin, 'JFK');
      assert.equal(first.offers[0]!.totalAmount, 200.99);
      assert.ok(stored.every((r) => r.key === `${decodeRecord(r.data).origin}-LAX`));
    });
  });

  it('keeps a record received days ago for the stream retention from its arrival, so trimming loses nothing acknowledged', async () => {
    await withIngest({}, async ({ app, stream }) => {
      // received (by the vendor) a week ago, older than the 24 h retention; arrives now
      const old = sampleRecord(1, {
        shoppedAt: new Date(Date.now() - 7 * 86_400_000).toISOString(),
        receivedAt: new Date(Date.now() - 7 * 86_400_000 + 1000).toISOString(),
      });
      const before = Date.now();
      assert.equal((await post(app, JSON.stringify(old))).json().accepted, 1);
      await stream.trim();
      const stored = await readAll(stream);
      assert.equal(stored.length, 1, 'an acknowledged record was trimmed before anyone read it');
      assert.ok(stored[0]!.timestamp >= before, 'the stream timestamp is the arrival');
      assert.equal(decodeRecord(stored[0]!.data).receivedAt, old.receivedAt);
    });
  });

  it('accepts NDJSON and a single object; a re-post is stored once', async () => {
    await withIngest({}, async ({ app, stream }) => {
      const nd = `${JSON.stringify(sampleRecord(1))}\n${JSON.stringify(sampleRecord(2))}\n`;
      assert.equal(
        (await post(app, nd, { 'content-type': 'application/x-ndjson' })).json().accepted,
        2,
      );
      const again = await post(app, JSON.stringify(sampleRecord(1)));
      assert.deepEqual(again.json(), { accepted: 0, duplicates: 1, offers: 1, rejected: [] });
      assert.equal((await readAll(stream)).length, 2);
    });
  });

  it('keeps the good records of a partly bad payload and dead-letters the rest with the raw payload', async () => {
    await withIngest({}, async ({ app, stream, deadLetters }) => {
      const bad = sampleRecord(2, { origin: 'xx' });
      const body = JSON.stringify([sampleRecord(1), bad, sampleRecord(3)]);
      const res = await post(app, body, { 'x-request-id': 'req-42' });
      assert.equal(res.statusCode, 202);
      const out = res.json();
      assert.equal(out.accepted, 2);
      assert.equal(out.rejected.length, 1);
      assert.equal(out.rejected[0].index, 1);
      assert.match(out.rejected[0].reason, /origin/);
      assert.equal((await readAll(stream)).length, 2);
      const dl = (await readAll(deadLetters)).map((r) => decodeDeadLetter(r.data));
      assert.equal(dl.length, 1);
      assert.equal(dl[0]!.requestId, 'req-42');
      assert.equal(dl[0]!.vendor, 'generic');
      assert.equal(dl[0]!.payload, body);
      assert.equal(dl[0]!.rejected[0]!.index, 1);
    });
  });

  it('answers 400 naming the problem when nothing is usable, and still keeps the payload', async () => {
    await withIngest({}, async ({ app, stream, deadLetters }) => {
      const res = await post(app, '{"id": "x", "origin": ');
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'invalid_payload');
      assert.match(res.json().message, /JSON/);
      const res2 = await post(
        app,
        JSON.stringify([sampleRecord(1, { departureDate: '2026-13-01' })]),
      );
      assert.equal(res2.statusCode, 400);
      assert.match(res2.json().rejected[0].reason, /departureDate/);
      assert.equal((await readAll(stream)).length, 0);
      assert.equal((await readAll(deadLetters)).length, 2);
      assert.equal((await post(app, '')).statusCode, 400);
    });
  });

  it('404s an unknown vendor, naming it, without listing the known ones', async () => {
    await withIngest({}, async ({ app }) => {
      const res = await post(app, '{}', {}, 'acme');
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error, 'unknown_vendor');
      assert.match(res.json().message, /no ingest route for vendor "acme"/);
      assert.doesNotMatch(res.body, /amadeus/);
    });
  });

  it('authenticates vendors by bearer token: 401 without or with a wrong one, 403 on another route', async () => {
    const vendors = {
      generic: { tokenSha256: hashToken('gen-secret') },
      amadeus: { tokenSha256: hashToken('ama-secret') },
    };
    await withIngest({ vendors }, async ({ app }) => {
      const body = JSON.stringify(sampleRecord(1));
      assert.equal((await post(app, body)).statusCode, 401);
      assert.equal((await post(app, body, { authorization: 'Bearer nope' })).statusCode, 401);
      const wrong = await post(app, body, { authorization: 'Bearer ama-secret' });
      assert.equal(wrong.statusCode, 403);
      assert.match(wrong.json().message, /amadeus/);
      assert.equal((await post(app, body, { authorization: 'Bearer gen-secret' })).statusCode, 202);
    });
  });

  it('takes gzip, refuses a gzip bomb with 413 and corrupt gzip with 415', async () => {
    await withIngest({ maxDecompressedBytes: 1_000_000 }, async ({ app, stream }) => {
      const ok = await post(app, gzipSync(JSON.stringify([sampleRecord(1)])), {
        'content-encoding': 'gzip',
      });
      assert.equal(ok.statusCode, 202, ok.body);
      const bomb = gzipSync(Buffer.alloc(50_000_000, 0x20));
      assert.ok(bomb.length < 100_000);
      const res = await post(app, bomb, { 'content-encoding': 'gzip' });
      assert.equal(res.statusCode, 413);
      assert.match(res.json().message, /decompressed body exceeds/);
      assert.equal(
        (await post(app, Buffer.from('not gzip'), { 'content-encoding': 'gzip' })).statusCode,
        415,
      );
      assert.equal((await post(app, 'x', { 'content-encoding': 'br' })).statusCode, 415);
      assert.equal((await readAll(stream)).length, 1);
    });
  });

  it('limits body size, records per request and requests per second', async () => {
    await withIngest(
      // every request counts against the rate, refused ones too
      { maxBodyBytes: 20_000, maxRecordsPerRequest: 2, requestsPerSecondPerVendor: 3 },
      async ({ app, stream }) => {
        assert.equal((await post(app, 'x'.repeat(30_000))).statusCode, 413);
        const many = await post(
          app,
          JSON.stringify([sampleRecord(1), sampleRecord(2), sampleRecord(3)]),
        );
        assert.equal(many.statusCode, 413);
        assert.equal(many.json().error, 'too_many_records');
        await post(app, JSON.stringify(sampleRecord(4)));
        const limited = await post(app, JSON.stringify(sampleRecord(5)));
        assert.equal(limited.statusCode, 429);
        assert.ok(Number(limited.headers['retry-after']) >= 1);
        assert.equal((await readAll(stream)).length, 1);
      },
    );
  });

  it('answers 503 with Retry-After under backpressure or a closed stream, acknowledging nothing', async () => {
    await withIngest(
      {},
      async ({ app, stream }) => {
        const res = await post(
          app,
          JSON.stringify([sampleRecord(1), sampleRecord(2), sampleRecord(3)]),
        );
        assert.equal(res.statusCode, 503);
        assert.ok(Number(res.headers['retry-after']) >= 1);
        assert.equal(res.json().error, 'backpressure');
        assert.equal((await readAll(stream)).length, 0);
        await stream.close();
        const closed = await post(app, JSON.stringify(sampleRecord(1)));
        assert.equal(closed.statusCode, 503);
      },
      { maxPendingRecords: 2 },
    );
  });

  it('exposes per-vendor metrics, health and readiness', async () => {
    await withIngest({}, async ({ app }) => {
      await post(app, JSON.stringify([sampleRecord(1), sampleRecord(2, { origin: 'x' })]));
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /faresight_ingest_records_total\{vendor="generic"\} 1/);
      assert.match(
        metrics.body,
        /faresight_ingest_rejections_total\{vendor="generic",reason="origin"\} 1/,
      );
      assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    });
  });

  it('finishes in-flight requests on stop, then refuses connections', async () => {
    const stream = await openStream('shutdown');
    const statsStream = await openStream('st');
    const config = configSchema.parse({ ingest: { host: '127.0.0.1', port: 0 } });
    const svc = await startIngest({
      config,
      stream,
      statsStream,
      adapters: createAdapters(),
      logger: silentLogger,
    });
    // a request whose body is still arriving when stop() begins. `Expect:
    // 100-continue` makes the server say when it has the request's headers, so
    // stop() starts while the request is surely in flight (a fixed sleep was
    // not enough on a loaded machine).
    const body = JSON.stringify(sampleRecord(9));
    let received!: () => void;
    const serverHasIt = new Promise<void>((r) => {
      received = r;
    });
    const inflight = new Promise<number>((resolve, reject) => {
      const req = request(`${svc.url}/v1/ingest/generic`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          expect: '100-continue',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.on('continue', () => {
        req.write(body.slice(0, 10));
        received();
        setTimeout(() => req.end(body.slice(10)), 100);
      });
      req.flushHeaders();
    });
    await serverHasIt;
    await svc.stop();
    assert.equal(await inflight, 202);
    await assert.rejects(fetch(`${svc.url}/healthz`));
    assert.equal((await readAll(stream)).length, 1);
    const stats = (await readAll(statsStream)).map((r) =>
      JSON.parse(Buffer.from(r.data).toString()),
    );
    assert.equal(stats.length, 1);
    assert.equal(stats[0].vendor, 'generic');
    assert.equal(stats[0].records, 1);
    assert.equal(typeof stats[0].latencyP99Ms, 'number');
    await stream.close();
    await statsStream.close();
  });
});
