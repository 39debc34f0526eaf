/**
 * CachedReads over a real row store (PGlite) and the in-process cache, written as the
 * serving use case writes (apply, then bump the markets changed). "The store is busy" is a
 * transaction held open on the row store's one connection, as a real-time batch holds it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { searchRecord } from '../../model/testing/records.js';
import { silentLogger } from '../../ops/logger.js';
import { recordingLogger } from '../../ops/testing/recording-logger.js';
import { PGliteClient } from '../../sql/pglite/pglite-client.js';
import { RowStore } from '../row-store.js';
import type { ServingReads } from '../serving-reads.js';
import { scopesOfChange } from './cache.js';
import { CachedReads, type CachedReadsOptions } from './cached-reads.js';
import { MemoryCache } from './memory/memory-cache.js';

const DESTINATIONS = ['LHR', 'CDG', 'AMS', 'FRA', 'MAD', 'FCO', 'DUB', 'ZRH', 'LIS', 'BCN'];

describe('CachedReads', () => {
  let store: RowStore;
  let cache: MemoryCache;
  let write: (id: string, amount: number) => Promise<void>;
  // one store; each test its own market (a destination of its own) and its own cache
  let query: { origin: string; destination: string; departureDate: string };
  let n = 0;
  before(async () => {
    store = new RowStore(await PGliteClient.open());
    await store.migrate();
  });
  after(async () => {
    await store.close();
  });
  beforeEach(() => {
    const destination = DESTINATIONS[n++]!;
    query = { origin: 'JFK', destination, departureDate: '2030-03-01' };
    cache = new MemoryCache();
    // as the serving use case writes: apply, then bump the scopes of the markets changed
    write = async (id, amount) => {
      const { changedMarkets } = await store.applyRecords([
        searchRecord({
          id: `${destination}-${id}`,
          destination,
          offers: [{ carrier: 'BA', amount }],
        }),
      ]);
      await cache.bump(scopesOfChange(changedMarkets));
    };
  });

  const price = async (reads: ServingReads) => (await reads.cheapest(query))[0]?.amount;

  /**
   * Holds the row store in a transaction until the returned release() is called; resolves
   * once the transaction has begun (the store is busy from then on).
   */
  async function holdStore(): Promise<() => Promise<void>> {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    let begun!: () => void;
    const started = new Promise<void>((r) => {
      begun = r;
    });
    const tx = store.client.transaction(async (t) => {
      await t.query('SELECT 1');
      begun();
      await gate;
    });
    await started;
    return async () => {
      open();
      await tx;
    };
  }

  /** Whether `p` settles while the store is held, and then its value. */
  async function whileHeld<T>(
    read: () => Promise<T>,
  ): Promise<{ beforeRelease: boolean; value: T }> {
    const release = await holdStore();
    let settled = false;
    const p = read().finally(() => {
      settled = true;
    });
    // a read that needs no store settles within a few turns of the event loop
    for (let i = 0; i < 20 && !settled; i++) await new Promise((r) => setImmediate(r));
    const beforeRelease = settled;
    await release();
    return { beforeRelease, value: await p };
  }

  const reads = (opts: Partial<CachedReadsOptions> = {}) =>
    new CachedReads(store, cache, { ttlSeconds: 60, logger: silentLogger, ...opts });

  test('an unchanged answer is served from the cache while the store is busy', async () => {
    await write('s1', 500);
    const r = reads();
    assert.equal(await price(r), 500);
    const { beforeRelease, value } = await whileHeld(() => price(r));
    assert.equal(beforeRelease, true);
    assert.equal(value, 500);
    assert.equal(r.counters.hits, 1);
  });

  test('by default a changed market is read from the store, the caller waiting for it', async () => {
    await write('s1', 500);
    const r = reads();
    assert.equal(await price(r), 500);
    await write('s2', 250);
    const { beforeRelease, value } = await whileHeld(() => price(r));
    assert.equal(beforeRelease, false);
    assert.equal(value, 250);
    assert.deepEqual([r.counters.misses, r.counters.stale], [2, 0]);
  });

  test('within staleSeconds a changed market answers at once, and one read refreshes it', async () => {
    let now = 1_000_000;
    await write('s1', 500);
    const r = reads({ staleSeconds: 2, now: () => now });
    assert.equal(await price(r), 500);
    now += 1500;
    await write('s2', 250);
    // the store is busy (a batch in progress): the last answer, at once
    const { beforeRelease, value } = await whileHeld(() =>
      Promise.all([price(r), price(r), price(r)]),
    );
    assert.equal(beforeRelease, true);
    assert.deepEqual(value, [500, 500, 500]);
    assert.equal(r.counters.stale, 3);
    // one refresh for the three, then current
    await r.idle();
    assert.equal(await price(r), 250);
    assert.deepEqual([r.counters.misses, r.counters.hits], [1, 1]);
  });

  test('an answer older than staleSeconds is not served: the caller waits for the store', async () => {
    let now = 1_000_000;
    await write('s1', 500);
    const r = reads({ staleSeconds: 2, now: () => now });
    assert.equal(await price(r), 500);
    now += 2001;
    await write('s2', 250);
    const { beforeRelease, value } = await whileHeld(() => price(r));
    assert.equal(beforeRelease, false);
    assert.equal(value, 250);
    assert.equal(r.counters.stale, 0);
  });

  test('staleness counts from when the read of the store began, not when it ended', async () => {
    let now = 1_000_000;
    await write('s1', 500);
    const r = reads({ staleSeconds: 2, now: () => now });
    const release = await holdStore();
    const first = price(r);
    await new Promise((r) => setImmediate(r)); // the read has reached the store
    now += 1500; // the read waits 1.5 s behind the held store
    await release();
    assert.equal(await first, 500);
    now += 600; // 2.1 s after that read began
    await write('s2', 250);
    const { beforeRelease } = await whileHeld(() => price(r));
    assert.equal(beforeRelease, false);
  });

  test('callers of the same answer at the same version share one read of the store', async () => {
    await write('s1', 500);
    let loads = 0;
    const counting: ServingReads = {
      ...({} as ServingReads),
      cheapest: (q) => {
        loads++;
        return store.cheapest(q);
      },
    };
    const r = new CachedReads(counting, cache, { ttlSeconds: 60, logger: silentLogger });
    const { value } = await whileHeld(() =>
      Promise.all([r.cheapest(query), r.cheapest(query), r.cheapest(query)]),
    );
    assert.deepEqual(
      value.map((v) => v[0]?.amount),
      [500, 500, 500],
    );
    assert.equal(loads, 1);
    assert.equal(r.counters.misses, 3);
  });

  test('a refresh that fails is counted and logged, and the next caller tries again', async () => {
    let now = 1_000_000;
    await write('s1', 500);
    const lines: string[] = [];
    let fail = false;
    const failing: ServingReads = {
      ...({} as ServingReads),
      cheapest: (q) => (fail ? Promise.reject(new Error('store gone')) : store.cheapest(q)),
    };
    const r = new CachedReads(failing, cache, {
      ttlSeconds: 60,
      staleSeconds: 2,
      logger: recordingLogger(lines),
      now: () => now,
    });
    assert.equal((await r.cheapest(query))[0]?.amount, 500);
    await write('s2', 250);
    fail = true;
    assert.equal((await r.cheapest(query))[0]?.amount, 500);
    await r.idle();
    assert.equal(r.counters.refreshErrors, 1);
    assert.match(lines.join('\n'), /warn cache refresh failed \{"error":"store gone"\}/);
    fail = false;
    now += 100;
    assert.equal((await r.cheapest(query))[0]?.amount, 500); // still stale: a new refresh began
    await r.idle();
    assert.equal((await r.cheapest(query))[0]?.amount, 250);
  });
});
