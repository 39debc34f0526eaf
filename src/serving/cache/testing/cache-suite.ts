/**
 * The cache contract as one suite, run against every Cache (memory-cache.test.ts, and
 * redis-cache.integration.test.ts on a real Redis). Invalidation as two API instances
 * sharing the cache see it is api/testing/shared-cache-suite.ts, on the same options.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Cache } from '../cache.js';

/** Options of runCacheSuite (and of the API's runSharedCacheSuite). */
export interface CacheSuiteOptions {
  name: string;
  /** Two handles on one shared cache (as two processes would have); undefined = skip. */
  open(): Promise<[Cache, Cache] | undefined>;
  skipReason?: () => string;
  cleanup?(): Promise<void>;
}

/**
 * A test over the two handles `pair()` holds when it runs; skipped with the suite's
 * reason when the cache could not be opened.
 */
export function pairTest(
  pair: () => [Cache, Cache] | undefined,
  opts: Pick<CacheSuiteOptions, 'skipReason'>,
): (name: string, fn: (a: Cache, b: Cache) => Promise<void>) => void {
  return (name, fn) =>
    it(name, async (t) => {
      const p = pair();
      if (!p) {
        t.skip(opts.skipReason?.() ?? 'no cache');
        return;
      }
      await fn(p[0], p[1]);
    });
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
    const test = pairTest(() => pair, opts);

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
  });
}
