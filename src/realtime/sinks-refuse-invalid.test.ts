/**
 * Every sink refuses what the validator refuses, so a record that reaches the stream past
 * ingest (replayed, older than the rules, forged) cannot poison one: each rule of
 * validation, broken once (REJECTION_CASES), is refused by the validator naming the
 * field, by the serving use case's own guard before any write to the row store (and so to
 * the route graph, which is views over it, and the API cache, which it bumps), and by the
 * real-time runner's guard in front of every use case (serving, deals), which
 * dead-letters it at once. The lake is the archive of the stream and keeps such a record
 * as the stream holds it (see bad-record.test.ts for records the lake cannot write).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DealsStore } from '../analytics/deals/deals-store.js';
import { encodeRecord } from '../model/codec.js';
import { decodeDeadLetter } from '../model/dead-letter.js';
import { marketKey, type ShoppingRecord } from '../model/shopping-record.js';
import { searchRecord } from '../model/testing/records.js';
import { REJECTION_CASES } from '../model/testing/rejection-cases.js';
import { validateRecord } from '../model/validate.js';
import { DEFAULT_VALIDATION_POLICY } from '../model/validation-policy.js';
import { silentLogger } from '../ops/logger.js';
import { MemoryCache } from '../serving/cache/memory/memory-cache.js';
import { RowStore } from '../serving/row-store.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { openTestStream } from '../stream/embedded/testing/test-streams.js';
import { createDealsUseCase } from './deals-use-case.js';
import { RecordRejectedError } from './errors.js';
import { startRealtime } from './realtime-runner.js';
import { createServingUseCase } from './serving-use-case.js';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'faresight-sinks-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A valid record; broken by a case, it breaks exactly that case's rule. */
const valid = (id: string): ShoppingRecord =>
  searchRecord({ id, offers: [{ carrier: 'BA', amount: 100 }] });

function broken(c: (typeof REJECTION_CASES)[number]): ShoppingRecord {
  const r = valid(`bad-${c.name}`);
  c.breakIt(r);
  return r;
}

describe('every sink refuses what the validator refuses', () => {
  it('the validator refuses each broken rule, naming the field, and takes the record unbroken', () => {
    assert.equal(validateRecord(valid('ok')).ok, true);
    for (const c of REJECTION_CASES) {
      const v = validateRecord(broken(c));
      assert.equal(v.ok, false, `${c.name} passed validation`);
      if (!v.ok) assert.match(v.errors.join('; '), c.error, c.name);
    }
  });

  it('the serving use case refuses each before writing to the row store, the route graph or the cache', async () => {
    const client = await PGliteClient.open();
    try {
      const store = new RowStore(client);
      await store.migrate();
      const cache = new MemoryCache();
      let bumps = 0;
      const serving = createServingUseCase({
        rowStore: store,
        logger: silentLogger,
        cache: {
          bump: async (scopes) => {
            bumps++;
            await cache.bump(scopes);
          },
        },
      });
      const ctx = {
        group: 'rt-serving',
        lastSeq: new Map<number, number>(),
        publish: async () => {},
      };
      for (const c of REJECTION_CASES) {
        await assert.rejects(serving.processBatch([broken(c)], ctx), (err: Error) => {
          assert.ok(err instanceof RecordRejectedError, `${c.name}: ${err}`);
          assert.match(err.message, c.error, c.name);
          return true;
        });
      }
      const count = async (sql: string) =>
        Number((await client.query<{ n: number | string }>(sql))[0]!.n);
      assert.equal((await store.markets()).length, 0);
      assert.equal(await count('SELECT count(*) AS n FROM cheapest_fares'), 0);
      assert.equal(await count('SELECT count(*) AS n FROM market_searches'), 0);
      assert.equal(await count('SELECT count(*) AS n FROM route_edges'), 0);
      assert.equal(bumps, 0, 'a refused record invalidated the cache');
      // the same sinks take the record unbroken
      await serving.processBatch([valid('ok')], ctx);
      assert.equal(await count('SELECT count(*) AS n FROM route_edges'), 1);
      assert.equal(bumps, 1);
    } finally {
      await client.close();
    }
  });

  it('the serving use case checks a batch again unless the runner validated it with the same rules', async () => {
    const client = await PGliteClient.open();
    try {
      const store = new RowStore(client);
      await store.migrate();
      const serving = createServingUseCase({ rowStore: store, logger: silentLogger });
      const ctx = {
        group: 'rt-serving',
        lastSeq: new Map<number, number>(),
        publish: async () => {},
      };
      const unknown = REJECTION_CASES.find((c) => c.name === 'unknown-origin')!;
      // validated with other rules (unknown codes flagged, not refused): checked again
      await assert.rejects(
        serving.processBatch([broken(unknown)], {
          ...ctx,
          validated: { ...DEFAULT_VALIDATION_POLICY, unknownAirports: 'flag' },
        }),
        RecordRejectedError,
      );
      assert.equal((await store.markets()).length, 0);
      // validated with its own rules: taken as the runner vouched, not checked twice
      await serving.processBatch([broken(unknown)], {
        ...ctx,
        validated: { ...DEFAULT_VALIDATION_POLICY },
      });
      assert.deepEqual(
        (await store.markets()).map((m) => m.origin),
        ['QQQ'],
      );
    } finally {
      await client.close();
    }
  });

  it('the real-time runner dead-letters each at once, in front of every use case', async () => {
    const open = (name: string) => openTestStream(join(root, name), name);
    const stream = await open('shopping');
    const dl = await open('dead-letters');
    const client = await PGliteClient.open();
    const store = new RowStore(client);
    await store.migrate();
    const deals = new DealsStore(client);
    await deals.migrate();
    const records = [valid('good-0'), ...REJECTION_CASES.map(broken), valid('good-1')];
    await stream.append(
      records.map((r) => ({ key: marketKey(r), id: r.id, data: encodeRecord(r) })),
    );
    const rt = await startRealtime({
      stream,
      useCases: [
        createServingUseCase({ rowStore: store, logger: silentLogger }),
        createDealsUseCase({ store: deals, logger: silentLogger }),
      ],
      policy: { count: 2000, bytes: 4 << 20, periodMs: 50 },
      logger: silentLogger,
      deadLetters: dl,
    });
    try {
      const deadline = Date.now() + 60_000;
      const lag = async () =>
        (await stream.lag('rt-serving')).reduce((s, l) => s + l.records, 0) +
        (await stream.lag('rt-deals')).reduce((s, l) => s + l.records, 0);
      while ((await lag()) > 0) {
        if (Date.now() > deadline) throw new Error('timed out waiting for both use cases');
        await new Promise((r) => setTimeout(r, 10));
      }
      for (const s of rt.stats()) {
        assert.equal(s.failures, 0, `${s.name}: a refused record cost retries: ${s.lastError}`);
        assert.equal(s.deadLetters, REJECTION_CASES.length, s.name);
      }
      const c = await dl.consumer('check', { count: 1000, bytes: 1 << 22, periodMs: 20 });
      const letters = (await c.read()).records.map((r) => decodeDeadLetter(r.data));
      await c.close();
      for (const stage of ['realtime:serving', 'realtime:deals']) {
        for (const k of REJECTION_CASES) {
          const reason = letters.find(
            (l) => l.stage === stage && l.rejected[0]!.reason.includes(`bad-${k.name}`),
          )?.rejected[0]?.reason;
          assert.ok(reason, `${stage}: no dead letter for ${k.name}`);
          assert.match(reason, k.error, `${stage}: ${k.name}`);
        }
      }
      const markets = await store.markets();
      assert.deepEqual(
        markets.map((m) => [m.origin, m.destination, m.searches]),
        [['JFK', 'LHR', 2]],
      );
    } finally {
      await rt.stop();
      await client.close();
      await stream.close();
      await dl.close();
    }
  });
});
