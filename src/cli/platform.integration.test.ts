/**
 * End to end on the embedded defaults: post records (generated ones and one payload in
 * every vendor format) to ingest, then find them through the API and in the lake.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { createGenerator } from '../generator/generator.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { silentLogger } from '../ops/logger.js';
import { DuckDBLakeQuery } from '../query/duckdb/duckdb-lake-query.js';
import { JetStreamStream } from '../stream/jetstream/jetstream-stream.js';
import { startPlatform } from './platform.js';

const dataDir = mkdtempSync(join(tmpdir(), 'fs-e2e-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const fixtures = join(import.meta.dirname, '..', 'vendors');

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function natsReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port: 4222 });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

const natsUp = (await natsReachable()) || process.env.CI === 'true';
if (!natsUp)
  console.log('# skipping the JetStream end-to-end run: no NATS server on 127.0.0.1:4222');

for (const backend of ['embedded', 'jetstream'] as const) {
  describe(`the whole pipeline on the ${backend} stream`, () => {
    it('posts records in every vendor format, then finds them through the API and in the lake', {
      timeout: 120_000,
      skip: backend === 'jetstream' && !natsUp,
    }, async () => {
      const streamName = backend === 'embedded' ? 'shopping' : `e2e-${process.pid}-${Date.now()}`;
      const config = configSchema.parse({
        dataDir: join(dataDir, backend),
        stream: { backend, name: streamName },
        ingest: { host: '127.0.0.1', port: 0 },
        api: { host: '127.0.0.1', port: 0 },
        sql: { host: '127.0.0.1', port: 0 },
        realtime: { batch: { periodMs: 100 } },
        lake: { batch: { periodMs: 200 } },
      });
      const platform = await startPlatform(config, silentLogger);
      let stopped = false;
      try {
        const gen = createGenerator({ seed: 42 });
        const records: ShoppingRecord[] = Array.from({ length: 300 }, () => gen.next(new Date()));
        for (let i = 0; i < records.length; i += 100) {
          const res = await fetch(`${platform.ingestUrl}/v1/ingest/generic`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(records.slice(i, i + 100)),
          });
          assert.equal(res.status, 202);
          assert.equal(((await res.json()) as { accepted: number }).accepted, 100);
        }
        const vendorPosts: Record<string, string> = {
          amadeus: 'amadeus/fixtures/flight-offers-roundtrip.json',
          sabre: 'sabre/fixtures/bfm-v4-ota-roundtrip.json',
          travelport: 'travelport/fixtures/low-fare-search-roundtrip.xml',
          duffel: 'duffel/fixtures/offer-request-roundtrip.json',
          kiwi: 'kiwi/fixtures/search-roundtrip.json',
        };
        const vendorRecords: Record<string, number> = {};
        for (const [vendor, file] of Object.entries(vendorPosts)) {
          const res = await fetch(`${platform.ingestUrl}/v1/ingest/${vendor}`, {
            method: 'POST',
            headers: {
              'content-type': file.endsWith('.xml') ? 'text/xml' : 'application/json',
              'x-point-of-sale': 'GB',
              // The fixtures fly in 2025: shopped then, as a vendor would say, so that
              // validation does not refuse departures before the shop date.
              'x-shopped-at': '2025-05-01T12:00:00Z',
            },
            body: readFileSync(join(fixtures, file)),
          });
          assert.equal(res.status, 202, `${vendor}: ${res.status}`);
          vendorRecords[vendor] = ((await res.json()) as { accepted: number }).accepted;
          assert.ok(vendorRecords[vendor]! > 0, `${vendor} accepted nothing`);
        }

        // the API sees the busiest market and its cheapest fares
        const probe = records[0]!;
        const cheapest = await until('cheapest fares in the API', async () => {
          const url = `${platform.apiUrl}/v1/fares/cheapest?origin=${probe.origin}&destination=${probe.destination}&departureDate=${probe.departureDate}${probe.returnDate ? `&returnDate=${probe.returnDate}` : ''}`;
          const res = await fetch(url);
          assert.equal(res.status, 200);
          const body = (await res.json()) as {
            fares: { amount: number; currency: string; carrier: string }[];
          };
          return body.fares.length > 0 ? body.fares : undefined;
        });
        const expectedMin = Math.min(
          ...records
            .filter(
              (r) =>
                r.origin === probe.origin &&
                r.destination === probe.destination &&
                r.departureDate === probe.departureDate &&
                r.returnDate === probe.returnDate,
            )
            .flatMap((r) => r.offers.map((o) => o.totalAmount)),
        );
        assert.equal(Math.min(...cheapest.map((f) => f.amount)), expectedMin);
        const markets = (await (
          await fetch(`${platform.apiUrl}/v1/markets?limit=1000`)
        ).json()) as {
          markets: { origin: string; destination: string; searches: number }[];
        };
        assert.ok(
          markets.markets.some(
            (m) => m.origin === probe.origin && m.destination === probe.destination,
          ),
        );
        const searchesInApi = await until('all searches counted', async () => {
          const m = (await (await fetch(`${platform.apiUrl}/v1/markets?limit=1000`)).json()) as {
            markets: { searches: number }[];
          };
          const total = m.markets.reduce((a, x) => a + x.searches, 0);
          return total >= records.length ? total : undefined;
        });
        assert.ok(searchesInApi >= records.length);

        // stopping flushes the lake; every record is there exactly once
        await platform.stop();
        stopped = true;
        const parquet = readdirSync(join(dataDir, backend, 'lake', 'searches'), { recursive: true })
          .map(String)
          .filter((f) => f.endsWith('.parquet'));
        assert.ok(parquet.length > 0);
        assert.ok(
          parquet.every((f) =>
            /^vendor=[a-z]+\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/\d+-\d+-\d+\.parquet$/.test(f),
          ),
          parquet.join(', '),
        );
        const q = await DuckDBLakeQuery.open({ dataDir: join(dataDir, backend) });
        try {
          const [s] = await q.all(
            "select count(*) as n, count(distinct id) as ids from searches where vendor = 'generic'",
          );
          assert.equal(Number(s!.n), records.length);
          assert.equal(Number(s!.ids), records.length);
          const [o] = await q.all("select count(*) as n from offers where vendor = 'generic'");
          assert.equal(
            Number(o!.n),
            records.reduce((a, r) => a + r.offers.length, 0),
          );
          const byVendor = await q.all(
            "select vendor, count(*) as n from searches where vendor <> 'generic' group by vendor order by vendor",
          );
          assert.deepEqual(
            Object.fromEntries(byVendor.map((r) => [r.vendor, Number(r.n)])),
            Object.fromEntries(Object.entries(vendorRecords).sort()),
          );
          const [gb] = await q.all(
            "select count(*) as n from searches where vendor = 'amadeus' and pos = 'GB'",
          );
          assert.equal(Number(gb!.n), vendorRecords.amadeus);
        } finally {
          await q.close();
        }
      } finally {
        if (!stopped) await platform.stop();
        if (backend === 'jetstream')
          await JetStreamStream.destroy('127.0.0.1:4222', streamName).catch(() => {});
      }
    });
  });
}
