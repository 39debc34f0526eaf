/**
 * Requests ingest refuses before (or instead of) parsing: each is answered with a clear
 * error, counted per vendor and reason (metrics and ingest_stats), and decided from the
 * headers before the body is read.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { configSchema } from '../config/config.js';
import { decodeDeadLetter } from '../model/dead-letter.js';
import { sampleRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { createAdapters } from '../vendors/adapters.js';
import { startIngest } from './ingest-server.js';
import { openIngestStream } from './testing/ingest-stream.js';
import { type IngestEnv, postIngest, readAll, withIngest } from './testing/with-ingest.js';
import { hashToken } from './vendor-auth.js';

const vendors = {
  generic: { tokenSha256: hashToken('gen-secret') },
  amadeus: { tokenSha256: hashToken('ama-secret') },
};

const post = postIngest;

/** Refusal counts of the current stats period, per vendor. */
function refusals(stats: IngestEnv['stats']): Record<string, Record<string, number>> {
  return Object.fromEntries(stats.rows().map((r) => [r.vendor, r.rejections]));
}

describe('refused requests leave a trace', () => {
  it('counts 401, 403, 404, 413, 415 and empty bodies per vendor and reason', async () => {
    await withIngest({ vendors, maxBodyBytes: 10_000 }, async ({ app, stats, statsStream }) => {
      const body = JSON.stringify(sampleRecord(1));
      const gen = { authorization: 'Bearer gen-secret' };
      assert.equal((await post(app, body)).statusCode, 401);
      assert.equal((await post(app, body, { authorization: 'Bearer ama-secret' })).statusCode, 403);
      assert.equal((await post(app, body, gen, 'acme')).statusCode, 404);
      const big = await post(app, 'x'.repeat(20_000), gen);
      assert.equal(big.statusCode, 413);
      assert.equal(big.json().error, 'body_too_large');
      const png = await post(app, body, { ...gen, 'content-type': 'image/png' });
      assert.equal(png.statusCode, 415);
      assert.equal((await post(app, '', gen)).statusCode, 400);
      assert.deepEqual(refusals(stats), {
        generic: {
          unauthorized: 1,
          forbidden: 1,
          body_too_large: 1,
          unsupported_media_type: 1,
          empty_body: 1,
        },
        unknown: { unknown_vendor: 1 },
      });
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      for (const reason of [
        'unauthorized',
        'forbidden',
        'body_too_large',
        'unsupported_media_type',
        'empty_body',
      ]) {
        assert.match(
          metrics,
          new RegExp(
            `faresight_ingest_rejections_total\\{vendor="generic",reason="${reason}"\\} 1`,
          ),
        );
      }
      assert.match(metrics, /faresight_ingest_requests_total\{vendor="generic",status="413"\} 1/);
      await stats.flush(true);
      const rows = (await readAll(statsStream)).map((r) =>
        JSON.parse(Buffer.from(r.data).toString('utf8')),
      );
      const generic = rows.find((r) => r.vendor === 'generic');
      assert.equal(generic.rejections.body_too_large, 1, 'ingest_stats holds the 413');
      assert.equal(generic.requests, 5);
    });
  });
});

describe('content types', () => {
  it('refuses a content type the route does not take, naming the accepted ones', async () => {
    await withIngest({}, async ({ app, stream }) => {
      const body = JSON.stringify(sampleRecord(1));
      const res = await post(app, body, { 'content-type': 'image/png' });
      assert.equal(res.statusCode, 415);
      assert.equal(res.json().error, 'unsupported_media_type');
      assert.match(res.json().message, /image\/png/);
      assert.match(res.json().message, /application\/json/);
      assert.match(res.json().message, /application\/x-ndjson/);
      const xml = await post(app, body, { 'content-type': 'application/json' }, 'travelport');
      assert.equal(xml.statusCode, 415);
      assert.match(xml.json().message, /text\/xml/);
      assert.equal((await readAll(stream)).length, 0);
    });
  });

  it('takes the accepted types with parameters and in any case, and a body without a type', async () => {
    await withIngest({}, async ({ app, stream }) => {
      const ok = (ct: string | undefined, n: number) =>
        app.inject({
          method: 'POST',
          url: '/v1/ingest/generic',
          payload: JSON.stringify(sampleRecord(n)),
          headers: ct === undefined ? {} : { 'content-type': ct },
        });
      assert.equal((await ok('Application/JSON; charset=utf-8', 1)).statusCode, 202);
      assert.equal((await ok('application/x-ndjson', 2)).statusCode, 202);
      assert.equal((await ok(undefined, 3)).statusCode, 202);
      assert.equal((await readAll(stream)).length, 3);
    });
  });
});

describe('deeply nested JSON', () => {
  it('refuses nesting past ingest.maxJsonDepth without parsing it, and keeps the payload', async () => {
    await withIngest({ maxJsonDepth: 32 }, async ({ app, deadLetters }) => {
      const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
      const res = await post(app, gzipSync(deep), { 'content-encoding': 'gzip' });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().message, /nest/);
      assert.match(res.json().message, /maxJsonDepth/);
      assert.match(res.json().message, /32/);
      const [d] = (await readAll(deadLetters)).map((r) => decodeDeadLetter(r.data));
      assert.equal(d?.payloadBytes, deep.length);
      // brackets inside strings are not nesting
      const fine = JSON.stringify(sampleRecord(1, { id: `${'['.repeat(100)}x` }));
      assert.equal((await post(app, fine)).statusCode, 202);
      // nesting within the limit is parsed (and here refused for its content, not its depth)
      const shallow = await post(app, JSON.stringify([{ a: [[[[{ b: 1 }]]]] }]));
      assert.equal(shallow.statusCode, 400);
      assert.doesNotMatch(shallow.body, /maxJsonDepth/);
    });
  });
});

describe('vendor routes', () => {
  it('answers 404 for prototype names, not 500', async () => {
    await withIngest({}, async ({ app }) => {
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        const res = await post(app, '{}', {}, name);
        assert.equal(res.statusCode, 404, `${name}: ${res.body}`);
        assert.equal(res.json().error, 'unknown_vendor');
      }
    });
  });

  it('decides auth before the route: 401 for an unknown route without a token, 404 after, listing nothing', async () => {
    await withIngest({ vendors }, async ({ app }) => {
      assert.equal((await post(app, '{}', {}, 'acme')).statusCode, 401);
      assert.equal((await post(app, '{}', {}, '__proto__')).statusCode, 401);
      const res = await post(app, '{}', { authorization: 'Bearer gen-secret' }, 'acme');
      assert.equal(res.statusCode, 404);
      assert.doesNotMatch(res.body, /amadeus|sabre|travelport|duffel|kiwi/);
    });
  });

  it('answers 401 from the headers alone, before the body is sent', async () => {
    const config = configSchema.parse({ ingest: { host: '127.0.0.1', port: 0, vendors } });
    const dir = mkdtempSync(join(tmpdir(), 'fs-ingest-auth-'));
    const stream = await openIngestStream(dir, 'shopping', {
      shards: 1,
      retentionMs: 3_600_000,
      dedupeWindowMs: 0,
    });
    const svc = await startIngest({
      config,
      stream,
      adapters: createAdapters(),
      logger: silentLogger,
    });
    try {
      const { port } = new URL(svc.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const sock = connect(Number(port), '127.0.0.1', () => {
          // announce 5 MB and send none of it: the answer must come anyway
          sock.write(
            'POST /v1/ingest/generic HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 5000000\r\n\r\n',
          );
        });
        let got = '';
        sock.on('data', (b) => {
          got += b.toString();
          if (got.includes('\r\n\r\n')) {
            sock.destroy();
            resolve(got);
          }
        });
        sock.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 401/);
    } finally {
      await svc.stop();
      await stream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
