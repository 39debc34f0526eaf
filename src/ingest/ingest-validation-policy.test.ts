/**
 * The operator's validation policy (config section `validation`) reaches every adapter
 * through ingest, and records accepted with a flag are counted per vendor and flag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { loadConfig } from '../config/load-config.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { sampleRecord } from '../model/testing/records.js';
import { type GenSearch, toAmadeus } from '../vendors/testing/generated-payloads.js';
import { type IngestEnv, postIngest, readAll, withIngest } from './testing/with-ingest.js';

/** A valid record whose market's origin, QQQ, is no IATA airport or city. */
function unknownAirportRecord(n: number): ShoppingRecord {
  const r = sampleRecord(n);
  r.origin = 'QQQ';
  r.offers[0]!.legs[0]!.segments[0]!.origin = 'QQQ';
  return r;
}

/** The same record, shopped `minutes` after now and received now (ingest sets receivedAt). */
function shoppedAhead(n: number, minutes: number): Omit<ShoppingRecord, 'receivedAt'> {
  const { receivedAt: _, ...r } = sampleRecord(n);
  const ahead = new Date(Date.now() + minutes * 60_000);
  r.shoppedAt = ahead.toISOString();
  r.departureDate = new Date(ahead.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
  r.offers[0]!.legs[0]!.segments[0]!.departAt = `${r.departureDate}T08:00`;
  r.offers[0]!.legs[0]!.segments[0]!.arriveAt = `${r.departureDate}T11:30`;
  return r;
}

function withPolicy(
  validation: Record<string, unknown>,
  fn: (e: IngestEnv) => Promise<void>,
): Promise<void> {
  return withIngest({}, fn, { config: configSchema.parse({ validation }) });
}

/** Flagged record counts of the current stats period, per vendor. */
function flagged(e: IngestEnv): Record<string, Record<string, number> | undefined> {
  return Object.fromEntries(e.stats.rows().map((r) => [r.vendor, r.flaggedRecords]));
}

describe('validation policy from configuration', () => {
  it('parses validation.unknownAirports and validation.maxClockSkewSeconds, from a file or the environment', () => {
    const d = configSchema.parse({});
    assert.equal(d.validation.unknownAirports, 'reject');
    assert.equal(d.validation.maxClockSkewSeconds, 300);
    const { config } = loadConfig({
      env: {
        FARESIGHT_VALIDATION_UNKNOWN_AIRPORTS: 'flag',
        FARESIGHT_VALIDATION_MAX_CLOCK_SKEW_SECONDS: '900',
      },
    });
    assert.equal(config.validation.unknownAirports, 'flag');
    assert.equal(config.validation.maxClockSkewSeconds, 900);
    assert.throws(
      () => loadConfig({ env: { FARESIGHT_VALIDATION_UNKNOWN_AIRPORTS: 'ignore' } }),
      /validation\.unknownAirports/,
    );
    assert.throws(
      () => loadConfig({ env: { FARESIGHT_VALIDATION_MAX_CLOCK_SKEW_SECONDS: '-1' } }),
      /validation\.maxClockSkewSeconds/,
    );
  });

  it('rejects an unknown airport by default, naming the field', async () => {
    await withPolicy({}, async ({ app, stream }) => {
      const res = await postIngest(app, JSON.stringify(unknownAirportRecord(1)));
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.body, /origin: QQQ is not a known IATA airport or city code/);
      assert.equal((await readAll(stream)).length, 0);
    });
  });

  it("keeps an unknown airport with unknownAirports 'flag' and counts the record per vendor and flag", async () => {
    await withPolicy({ unknownAirports: 'flag' }, async (e) => {
      const body = JSON.stringify([unknownAirportRecord(1), sampleRecord(2)]);
      const res = await postIngest(e.app, body);
      assert.equal(res.statusCode, 202, res.body);
      assert.equal(res.json().accepted, 2);
      assert.deepEqual(flagged(e), { generic: { unknownAirport: 1 } });
      const metrics = (await e.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(
        metrics,
        /faresight_ingest_flagged_records_total\{vendor="generic",flag="unknownAirport"\} 1\b/,
      );
    });
  });

  it("applies unknownAirports 'flag' to vendor adapters too (Amadeus)", async () => {
    const search: GenSearch = {
      id: 'ama-qqq',
      tripType: 'oneway',
      routes: [{ origin: 'QQQ', destination: 'LHR' }],
      offers: [
        {
          cents: 45_000,
          legs: [
            [
              {
                carrier: 'BA',
                flightNumber: '178',
                origin: 'QQQ',
                destination: 'LHR',
                departAt: '2026-12-20T08:00:00',
                arriveAt: '2026-12-20T20:00:00',
              },
            ],
          ],
        },
      ],
    };
    const headers = { 'x-shopped-at': new Date(Date.now() - 60_000).toISOString() };
    await withPolicy({}, async ({ app }) => {
      const res = await postIngest(app, toAmadeus(search), headers, 'amadeus');
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.body, /QQQ is not a known IATA airport/);
    });
    await withPolicy({ unknownAirports: 'flag' }, async (e) => {
      const res = await postIngest(e.app, toAmadeus(search), headers, 'amadeus');
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual(flagged(e), { amadeus: { unknownAirport: 1 } });
    });
  });

  it('refuses shoppedAt further ahead than validation.maxClockSkewSeconds, and only then', async () => {
    await withPolicy({}, async ({ app }) => {
      const res = await postIngest(app, JSON.stringify(shoppedAhead(1, 10)));
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.body, /shoppedAt: .* is in the future: more than 300 s after receivedAt/);
      assert.equal((await postIngest(app, JSON.stringify(shoppedAhead(2, 2)))).statusCode, 202);
    });
    await withPolicy({ maxClockSkewSeconds: 900 }, async ({ app }) => {
      const res = await postIngest(app, JSON.stringify(shoppedAhead(1, 10)));
      assert.equal(res.statusCode, 202, res.body);
      const late = await postIngest(app, JSON.stringify(shoppedAhead(3, 20)));
      assert.equal(late.statusCode, 400, late.body);
      assert.match(late.body, /more than 900 s after receivedAt/);
    });
  });
});

describe('records accepted with a flag are counted', () => {
  it('counts records with offers whose amounts do not add up as amountsInconsistent', async () => {
    await withPolicy({}, async (e) => {
      const bad = sampleRecord(1);
      for (const o of bad.offers) {
        o.baseAmount = o.totalAmount;
        o.taxAmount = 5;
      }
      bad.offers.push({ ...bad.offers[0]! });
      const res = await postIngest(e.app, JSON.stringify([bad, sampleRecord(2)]));
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual(flagged(e), { generic: { amountsInconsistent: 1 } });
      const metrics = (await e.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(
        metrics,
        /faresight_ingest_flagged_records_total\{vendor="generic",flag="amountsInconsistent"\} 1\b/,
      );
    });
  });

  it('writes the flag counts into the ingest_stats row', async () => {
    await withPolicy({ unknownAirports: 'flag' }, async (e) => {
      const res = await postIngest(e.app, JSON.stringify(unknownAirportRecord(1)));
      assert.equal(res.statusCode, 202, res.body);
      await e.stats.flush(true);
      const rows = (await readAll(e.statsStream)).map((r) =>
        JSON.parse(Buffer.from(r.data).toString()),
      );
      assert.deepEqual(
        rows.map((r) => [r.vendor, r.records, r.flaggedRecords]),
        [['generic', 1, { unknownAirport: 1 }]],
      );
    });
  });
});
