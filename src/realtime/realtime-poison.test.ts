import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeRecord } from '../model/codec.js';
import { decodeDeadLetter } from '../model/dead-letter.js';
import { marketKey, type ShoppingRecord } from '../model/shopping-record.js';
import { searchRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { RowStore } from '../serving/row-store.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { openTestStream } from '../stream/embedded/testing/test-streams.js';
import { startRealtime } from './realtime-runner.js';
import { createServingUseCase } from './serving-use-case.js';
import { pending, until } from './testing/runner-fixtures.js';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'faresight-poison-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const openStream = (name: string) => openTestStream(join(root, `s${n++}`), name);

const good = (i: number) =>
  searchRecord({
    id: `good-${i}`,
    destination: ['LHR', 'CDG', 'AMS'][i % 3],
    offers: [{ carrier: 'BA', amount: 100 + i }],
  });

/** Records the validator refuses, as old or forged entries would reach the stream. */
const POISON: [string, (r: ShoppingRecord) => void, RegExp][] = [
  [
    'nul-id',
    (r) => {
      r.id = `${r.id}\u0000`;
    },
    /id: must not contain control characters/,
  ],
  [
    'zero-price',
    (r) => {
      r.offers[0]!.totalAmount = 0;
    },
    /offers\[0\]\.totalAmount: must be positive/,
  ],
  [
    'qqq',
    (r) => {
      r.destination = 'QQQ';
    },
    /destination: QQQ is not a known IATA/,
  ],
  [
    'future',
    (r) => {
      r.shoppedAt = '2099-01-01T00:00:00.000Z';
    },
    /shoppedAt: 2099-01-01T00:00:00\.000Z is in the future/,
  ],
  [
    'adults',
    (r) => {
      r.passengers.adults = 1e9;
    },
    /passengers\.adults: must be 1-9/,
  ],
];

describe('poison records in the real-time runner', () => {
  it('dead-letters records the validator refuses at once, while the records around them land', async () => {
    const stream = await openStream('shopping');
    const dl = await openStream('dead-letters');
    const client = await PGliteClient.open();
    const store = new RowStore(client);
    await store.migrate();
    const entries = [];
    for (let i = 0; i < 30; i++) {
      entries.push(good(i));
      const p = POISON[i % 6];
      if (p) {
        const r = good(1000 + i);
        r.id = `poison-${p[0]}`;
        p[1](r);
        entries.push(r);
      }
    }
    // Straight to the stream, past ingest (as a replay of data older than the rules).
    await stream.append(
      entries.map((r) => ({ key: marketKey(r), id: r.id, data: encodeRecord(r) })),
    );
    // The production defaults: retry delays, attempts before bisecting.
    const rt = await startRealtime({
      stream,
      useCases: [createServingUseCase({ rowStore: store, logger: silentLogger })],
      policy: { count: 2000, bytes: 4 << 20, periodMs: 50 },
      logger: silentLogger,
      deadLetters: dl,
    });
    try {
      await until(
        'everything committed',
        async () => (await pending(stream, 'rt-serving')) === 0,
        60_000,
      );
      const s = rt.stats()[0]!;
      assert.equal(s.failures, 0, `a poison record cost retries: ${s.lastError}`);
      assert.equal(s.deadLetters, POISON.length);
      assert.equal(s.records, 30);
      // Every good search is counted in its market, and nothing else is.
      const markets = await store.markets();
      assert.deepEqual(markets.map((m) => [m.destination, m.searches]).sort(), [
        ['AMS', 10],
        ['CDG', 10],
        ['LHR', 10],
      ]);
      assert.deepEqual(markets.map((m) => m.cheapest[0]!.amount).sort(), [100, 101, 102]);
      const c = await dl.consumer('check', { count: 100, bytes: 1 << 20, periodMs: 20 });
      const letters = (await c.read()).records.map((r) => decodeDeadLetter(r.data));
      await c.close();
      assert.equal(letters.length, POISON.length);
      for (const [name, , reason] of POISON) {
        const letter = letters.find((l) => l.rejected[0]!.reason.includes(`poison-${name}`));
        assert.ok(letter, `no dead letter for poison-${name}`);
        assert.equal(letter.stage, 'realtime:serving');
        assert.match(letter.rejected[0]!.reason, reason);
      }
    } finally {
      await rt.stop();
      await client.close();
      await stream.close();
      await dl.close();
    }
  });
});
