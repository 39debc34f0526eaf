/**
 * The cache contract as one suite, run against every Cache (memory-cache.test.ts, and
 * redis-cache.integration.test.ts on a real Redis), including invalidation seen by two
 * API instances that share the cache.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApi } from '../../../api/api.js';
import { searchRecord } from '../../../model/testing/records.js';
import { silentLogger } from '../../../ops/logger.js';
import { createServingUseCase } from '../../../realtime/serving-use-case.js';
import { PGliteClient } from '../../../sql/pglite/pglite-client.js';
import { RowStore } from '../../row-store.js';
import type { Cache } from '../cache.js';
import { CachedReads } from '../cached-reads.js';

export interface CacheSuiteOptions {
  name: string;
  /** Two handles on one shared cache (as two processes would have); undefined = skip. */
  open(): Promise<[Cache, Cache] | undefined>;
  skipReason?: () => string;
  cleanup?(): Promise<void>;
}

/** Registers the suite with node:test. */
export function runCacheSuite(opts: CacheSuiteOptions): void {
  describe(`cache on ${opts.name}`, () => {
    let pair: [Cache, Cache] | undefined;
    before(async () => {
      pair = await opts.open();
    });
    after(async () => {
      await pair?.[0].close();
      await pair?.[1].close();
      await opts.cleanup?.();
    });
    const test = (name: string, fn: (a: Cache, b: Cache) => Promise<void>) =>
      it(name, async (t) => {
        if (!pair) {
          t.skip(opts.skipReason?.() ?? 'no cache');
          return;
        }
        await fn(pair[0], pair[1]);
      });

    test('get, set and expiry after the TTL', async (a, b) => {
      assert.equal(await a.get('nothing'), undefined);
      await a.set('k', 'v1', 60);
      assert.equal(await b.get('k'), 'v1');
      await a.set('short', 'x', 1);
      assert.equal(await b.get('short'), 'x');
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(await b.get('short'), undefined);
      assert.equal(await b.get('k'), 'v1');
    });

    test('versions start at 0 and a bump is seen by every handle', async (a, b) => {
      assert.deepEqual(await a.versions(['s1', 's2']), [0, 0]);
      await a.bump(['s1']);
      await b.bump(['s1', 's2']);
      assert.deepEqual(await b.versions(['s1', 's2']), [2, 1]);
      assert.deepEqual(await a.versions(['s2', 's1']), [1, 2]);
      await a.bump([]);
      assert.deepEqual(await a.versions([]), []);
    });

    describe('two API instances sharing the cache', () => {
      let store: RowStore;
      let apis: FastifyInstance[] = [];
      let reads: CachedReads[] = [];
      before(async () => {
        if (!pair) return;
        store = new RowStore(await PGliteClient.open());
        await store.migrate();
        reads = pair.map(
          (c) => new CachedReads(store, c, { ttlSeconds: 60, logger: silentLogger }),
        );
        apis = reads.map((r) => createApi({ rowStore: r, logger: silentLogger }));
      });
      after(async () => {
        for (const a of apis) await a.close();
        await store?.close();
      });
      const url = '/v1/fares/cheapest?origin=JFK&destination=LHR&departureDate=2030-03-01';
      const price = async (api: FastifyInstance) =>
        (await api.inject({ method: 'GET', url })).json().fares[0]?.amount as number | undefined;

      test('serve cached answers and drop them when the serving use case commits', async (a) => {
        const serving = createServingUseCase({ rowStore: store, logger: silentLogger, cache: a });
        const ctx = {
          group: 'rt-serving',
          lastSeq: new Map<number, number>(),
          publish: async () => {},
        };
        await serving.processBatch(
          [searchRecord({ id: 's1', offers: [{ carrier: 'BA', amount: 500 }] })],
          ctx,
        );
        assert.equal(await price(apis[0]!), 500);
        assert.equal(await price(apis[1]!), 500);
        // Cached: a change the cache is not told about is not seen.
        await store.client.exec(`UPDATE cheapest_fares SET amount = 1`);
        assert.equal(await price(apis[0]!), 500);
        assert.equal(await price(apis[1]!), 500);
        assert.ok(reads[0]!.counters.hits >= 1 && reads[1]!.counters.hits >= 1);
        // The use case bumps the market: both instances read the store again.
        await serving.processBatch(
          [searchRecord({ id: 's2', offers: [{ carrier: 'BA', amount: 0.5 }] })],
          ctx,
        );
        assert.equal(await price(apis[0]!), 0.5);
        assert.equal(await price(apis[1]!), 0.5);
        // Another market's change leaves this one cached.
        await store.client.exec(`UPDATE cheapest_fares SET amount = 2`);
        await serving.processBatch(
          [searchRecord({ id: 's3', destination: 'CDG', offers: [{ carrier: 'AF', amount: 9 }] })],
          ctx,
        );
        assert.equal(await price(apis[1]!), 0.5);
        // The market list spans markets: any change drops it.
        const list = async () =>
          (await apis[0]!.inject({ method: 'GET', url: '/v1/markets' })).json().markets.length;
        assert.equal(await list(), 2);
        await serving.processBatch(
          [searchRecord({ id: 's4', destination: 'AMS', offers: [{ carrier: 'KL', amount: 9 }] })],
          ctx,
        );
        assert.equal(await list(), 3);
      });
    });
  });
}
