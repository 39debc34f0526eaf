import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConsoleInputError } from '../../console/console-backend.js';
import { createGenerator } from '../../generator/generator.js';
import { encodeRecord } from '../../model/codec.js';
import { marketKey, recordKey, type ShoppingRecord } from '../../model/shopping-record.js';
import { EmbeddedStream } from '../../stream/embedded/embedded-stream.js';
import { shardFor } from '../../stream/stream.js';
import { browseMessages } from './message-browser.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-messages-'));
const stream = new EmbeddedStream({
  dir,
  name: 'shopping',
  shards: 4,
  retentionMs: 3_600_000,
  dedupeWindowMs: 60_000,
  trimIntervalMs: 0,
  writerThread: false,
});
const records: ShoppingRecord[] = [];
const t0 = Date.now() - 60_000;

before(async () => {
  await stream.connect();
  const gen = createGenerator({ seed: 3 });
  for (let i = 0; i < 200; i++) records.push(gen.next(new Date(t0 + i * 100)));
  await stream.append(
    records.map((r, i) => ({
      key: marketKey(r),
      id: recordKey(r),
      data: encodeRecord(r),
      timestamp: t0 + i * 100,
    })),
  );
  // a record that is no Avro at all still shows, with its decoding error
  await stream.append([{ key: 'XXX-YYY', id: 'x:bad', data: new Uint8Array([1, 2, 3]) }]);
});
after(async () => {
  await stream.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('browseMessages', () => {
  it('finds a record by id, decoded from Avro to JSON with its offers', async () => {
    const r = records[57] as ShoppingRecord;
    const page = await browseMessages(stream, { id: r.id, limit: 10 });
    assert.equal(page.messages.length, 1);
    const m = page.messages[0]!;
    assert.equal(m.id, recordKey(r));
    assert.equal(m.shard, shardFor(marketKey(r), 4));
    const rec = JSON.parse(JSON.stringify(m.record)) as { offers: unknown[]; origin: string };
    assert.equal(rec.origin, r.origin);
    assert.equal(rec.offers.length, r.offers.length);
    assert.equal(m.error, null);
  });

  it('reads only the shard of a market and keeps only its records', async () => {
    const market = marketKey(records[0] as ShoppingRecord);
    const want = records.filter((r) => marketKey(r) === market).map(recordKey);
    const page = await browseMessages(stream, { market: market.toLowerCase(), limit: 500 });
    assert.deepEqual(
      page.messages.map((m) => m.id),
      want,
    );
    assert.ok(page.scanned < 201, 'one shard read, not all');
    await assert.rejects(
      browseMessages(stream, { market, shard: (shardFor(market, 4) + 1) % 4, limit: 1 }),
      ConsoleInputError,
    );
  });

  it('pages through a shard from a sequence, and every shard from a time in time order', async () => {
    const first = await browseMessages(stream, { shard: 2, seq: 0, limit: 5 });
    assert.equal(first.messages.length, 5);
    assert.ok(first.next);
    const second = await browseMessages(stream, { shard: 2, seq: first.next.seq, limit: 5 });
    assert.ok((second.messages[0]?.seq ?? 0) > (first.messages[4]?.seq ?? 0));
    const late = await browseMessages(stream, { from: t0 + 150 * 100, limit: 500 });
    assert.deepEqual(
      late.messages.filter((m) => m.id !== 'x:bad').map((m) => m.id),
      records.slice(150).map(recordKey),
    );
    const bad = late.messages.find((m) => m.id === 'x:bad');
    assert.match(bad?.error ?? '', /not a Faresight record/);
    await assert.rejects(browseMessages(stream, { seq: 3, limit: 1 }), /give the shard too/);
  });

  it('filters by vendor', async () => {
    const page = await browseMessages(stream, { vendor: 'nobody', limit: 10 });
    assert.deepEqual(page.messages, []);
    const vendor = (records[0] as ShoppingRecord).vendor;
    const all = await browseMessages(stream, { vendor, limit: 500 });
    assert.equal(all.messages.length, records.filter((r) => r.vendor === vendor).length);
  });
});
