/**
 * Invalidation as users see it: two API instances on one shared cache (as two processes
 * would have) serve cached answers, and drop them when the serving use case commits a
 * change. Run on every Cache with the options of its contract suite (runCacheSuite).
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApi } from '../../api/api.js';
import { searchRecord } from '../../model/testing/records.js';
import { silentLogger } from '../../ops/logger.js';
import type { Cache } from '../../serving/cache/cache.js';
import { CachedReads } from '../../serving/cache/cached-reads.js';
import { type CacheSuiteOptions, pairTest } from '../../serving/cache/testing/cache-suite.js';
import { RowStore } from '../../serving/row-store.js';
import { PGliteClient } from '../../sql/pglite/pglite-client.js';
import { createServingUseCase } from '../serving-use-case.js';

/** Registers the suite with node:test. */
export function runSharedCacheSuite(opts: CacheSuiteOptions): void {
  let pair: [Cache, Cache] | undefined;
  const test = pairTest(() => pair, opts);
  describe(`two API instances sharing the cache on ${opts.name}`, () => {
    let store: RowStore;
    let apis: FastifyInstance[] = [];
    let reads: CachedReads[] = [];
    before(async () => {
      pair = await opts.open();
      if (!pair) return;
      store = new RowStore(await PGliteClient.open());
      await store.migrate();
      reads = pair.map((c) => new CachedReads(store, c, { ttlSeconds: 60, logger: silentLogger }));
      apis = reads.map((r) => createApi({ rowStore: r, logger: silentLogger }));
    });
    after(async () => {
      for (const a of apis) await a.close();
      await store?.close();
      await pair?.[0].close();
      await pair?.[1].close();
      await opts.cleanup?.();
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
}
