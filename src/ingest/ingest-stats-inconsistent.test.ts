import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { sampleRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { createAdapters } from '../vendors/adapters.js';
import { fixture } from '../vendors/testing/vendor-test-kit.js';
import { startIngest } from './ingest-server.js';
import { openIngestStream } from './testing/ingest-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-ingest-inconsistent-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const openStream = (name: string) => openIngestStream(dir, name, { shards: 1 });

describe('ingest_stats counts offers whose amounts do not add up, per vendor', () => {
  it("counts the flagged offers of accepted records in each vendor's stats row", async () => {
    const stream = await openStream('shop');
    const statsStream = await openStream('stats');
    const svc = await startIngest({
      config: configSchema.parse({ ingest: { host: '127.0.0.1', port: 0 } }),
      stream,
      statsStream,
      adapters: createAdapters(),
      logger: silentLogger,
    });
    const bad = sampleRecord(1);
    const o = bad.offers[0]!;
    o.baseAmount = o.totalAmount;
    o.taxAmount = 5;
    const body = JSON.stringify([bad, sampleRecord(2)]);
    const res = await fetch(`${svc.url}/v1/ingest/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(res.status, 202, await res.text());
    // A Duffel offer request of two offers, the second's taxes off by 10 from its total.
    const doc = JSON.parse(fixture('duffel', 'offer-request-roundtrip.json').toString());
    const [good] = doc.data.offers;
    doc.data.offers = [good, { ...good, id: 'off_bad', tax_amount: '10.00' }];
    const duffel = await fetch(`${svc.url}/v1/ingest/duffel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(doc),
    });
    assert.equal(duffel.status, 202, await duffel.text());
    await svc.stop();
    const c = await statsStream.consumer('t', { count: 100, bytes: 1 << 20, periodMs: 10 });
    const rows = (await c.read()).records.map((r) => JSON.parse(Buffer.from(r.data).toString()));
    await c.close();
    assert.deepEqual(
      rows.map((r) => [r.vendor, r.offers, r.inconsistentOffers, r.flaggedRecords]).sort(),
      [
        ['duffel', 2, 1, { amountsInconsistent: 1 }],
        ['generic', 2, 1, { amountsInconsistent: 1 }],
      ],
    );
    await stream.close();
    await statsStream.close();
  });
});
