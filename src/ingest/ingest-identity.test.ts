/**
 * Identity at ingest: a record is (vendor, id), a dead letter is its content and
 * arrival, and a rejected payload of any size ingest read is kept whole.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeRecord } from '../model/codec.js';
import { decodeDeadLetter } from '../model/dead-letter.js';
import { sampleRecord } from '../model/testing/records.js';
import { GENERATED_SHOPPED_AT, toKiwi } from '../vendors/testing/generated-payloads.js';
import { postIngest, readAll, withIngest } from './testing/with-ingest.js';

const duffelOffer = readFileSync(
  join(import.meta.dirname, '..', 'vendors', 'duffel', 'fixtures', 'offer-single-oneway.json'),
);

const post = postIngest;

describe('record identity at ingest', () => {
  it('keeps records of two vendors whose ids collide, in either order', async () => {
    await withIngest({}, async ({ app, stream }) => {
      const d = await post(app, duffelOffer, {}, 'duffel');
      assert.equal(d.statusCode, 202, d.body);
      assert.equal(d.json().accepted, 1);
      const duffelId = decodeRecord((await readAll(stream))[0]!.data).id;
      // the generic vendor happens to use the same id
      const g = await post(app, JSON.stringify(sampleRecord(1, { id: duffelId })));
      assert.equal(g.statusCode, 202, g.body);
      assert.deepEqual(
        { accepted: g.json().accepted, duplicates: g.json().duplicates },
        {
          accepted: 1,
          duplicates: 0,
        },
      );
      // and the other way round, through the X-Transaction-Id header
      const g2 = await post(app, JSON.stringify(sampleRecord(2, { id: 'T-77' })));
      assert.equal(g2.json().accepted, 1);
      const d2 = await post(app, duffelOffer, { 'x-transaction-id': 'T-77' }, 'duffel');
      assert.equal(d2.statusCode, 202, d2.body);
      const stored = (await readAll(stream)).map((r) => decodeRecord(r.data));
      assert.equal(stored.length, 4, 'four records from two vendors, none dropped');
      assert.deepEqual(
        stored.map((r) => `${r.vendor}:${r.id}`).sort(),
        [`duffel:${duffelId}`, 'duffel:T-77', `generic:${duffelId}`, 'generic:T-77'].sort(),
      );
    });
  });

  it('still drops a re-post of the same vendor and id as a duplicate', async () => {
    await withIngest({}, async ({ app, stream }) => {
      await post(app, JSON.stringify(sampleRecord(1)));
      const again = await post(app, JSON.stringify(sampleRecord(1)));
      assert.deepEqual(
        { accepted: again.json().accepted, duplicates: again.json().duplicates },
        {
          accepted: 0,
          duplicates: 1,
        },
      );
      assert.equal((await readAll(stream)).length, 1);
    });
  });
});

describe('a search over several dates at ingest', () => {
  it('stores one record per date pair, and a retry of the payload is all duplicates', async () => {
    const flight = (day: string, n: number) => ({
      carrier: 'IB',
      flightNumber: String(n),
      origin: 'MAD',
      destination: 'LHR',
      departAt: `${day}T09:00:00`,
      arriveAt: `${day}T10:30:00`,
    });
    const days = ['2026-03-01', '2026-03-02', '2026-03-04', '2026-03-02'];
    const body = toKiwi({
      id: 'range-retry',
      tripType: 'oneway',
      routes: [{ origin: 'MAD', destination: 'LHR' }],
      offers: days.map((d, i) => ({ cents: 9_000 + i, legs: [[flight(d, i + 1)]] })),
    });
    // Shopped when the search ran, long before this test's clock.
    const shopped = { 'x-shopped-at': GENERATED_SHOPPED_AT };
    await withIngest({}, async ({ app, stream }) => {
      const first = await post(app, body, shopped, 'kiwi');
      assert.equal(first.statusCode, 202, first.body);
      assert.deepEqual([first.json().accepted, first.json().duplicates], [3, 0]);
      const again = await post(app, body, shopped, 'kiwi');
      assert.equal(again.statusCode, 202, again.body);
      assert.deepEqual([again.json().accepted, again.json().duplicates], [0, 3]);
      const stored = (await readAll(stream)).map((r) => decodeRecord(r.data));
      assert.deepEqual(stored.map((r) => [r.id, r.departureDate, r.offers.length]).sort(), [
        ['range-retry~2026-03-01', '2026-03-01', 1],
        ['range-retry~2026-03-02', '2026-03-02', 2],
        ['range-retry~2026-03-04', '2026-03-04', 1],
      ]);
    });
  });
});

describe('dead letters', () => {
  it('keeps two different bad payloads sent with the same X-Request-Id', async () => {
    await withIngest({}, async ({ app, deadLetters }) => {
      const a = await post(app, '{"id": "x", "origin": ', { 'x-request-id': 'same' });
      const b = await post(app, '[{"nothing": "useful"}]', { 'x-request-id': 'same' });
      assert.equal(a.statusCode, 400);
      assert.equal(b.statusCode, 400);
      const dl = (await readAll(deadLetters)).map((r) => decodeDeadLetter(r.data));
      assert.equal(dl.length, 2, 'both payloads kept');
      assert.deepEqual(dl.map((d) => d.payload).sort(), [
        '[{"nothing": "useful"}]',
        '{"id": "x", "origin": ',
      ]);
      assert.notEqual(dl[0]!.id, dl[1]!.id);
      for (const d of dl) {
        assert.notEqual(d.id, 'same', 'a caller-chosen header is not the identity');
        assert.equal(d.requestId, 'same', 'the request id is kept for correlation');
        assert.ok(d.id.includes(d.payloadSha256.slice(0, 16)), `id ${d.id} names the content`);
      }
    });
  });

  it('keeps the same bad payload sent twice as two arrivals', async () => {
    await withIngest({}, async ({ app, deadLetters }) => {
      await post(app, '{"broken":', { 'x-request-id': 'r1' });
      await post(app, '{"broken":', { 'x-request-id': 'r1' });
      assert.equal((await readAll(deadLetters)).length, 2);
    });
  });

  it('keeps a rejected payload above the inline limit whole, as its own object', async () => {
    await withIngest({ deadLetterInlineBytes: 1024 }, async ({ app, deadLetters, payloads }) => {
      const big = `[${JSON.stringify({ filler: 'é'.repeat(50_000) })}]`;
      const res = await post(app, gzipSync(big), { 'content-encoding': 'gzip' });
      assert.equal(res.statusCode, 400, res.body);
      const [rec] = await readAll(deadLetters);
      assert.ok(rec, 'a dead letter was written');
      assert.ok(rec.data.length < 10_000, `stream entry is small (${rec.data.length} bytes)`);
      const d = decodeDeadLetter(rec.data);
      assert.equal(d.payload, '');
      assert.equal(d.payloadEncoding, 'object');
      assert.ok(d.payloadObject, 'the dead letter names the payload object');
      assert.equal(d.payloadBytes, Buffer.byteLength(big));
      const stored = await payloads.get(d.payloadObject);
      assert.ok(stored, `object ${d.payloadObject} exists`);
      assert.equal(Buffer.from(stored).toString('utf8'), big, 'the decompressed payload, whole');
    });
  });

  it('keeps small payloads inline', async () => {
    await withIngest({ deadLetterInlineBytes: 1024 }, async ({ app, deadLetters, payloads }) => {
      await post(app, '{"short":');
      const d = decodeDeadLetter((await readAll(deadLetters))[0]!.data);
      assert.equal(d.payload, '{"short":');
      assert.equal(d.payloadObject, undefined);
      assert.deepEqual(await payloads.list(''), []);
    });
  });
});
