/**
 * The row store contract as one suite, run against every SqlClient implementation
 * (row-store.test.ts on PGlite, row-store.integration.test.ts on PostgreSQL).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ShoppingRecord } from '../../model/shopping-record.js';
import { searchRecord } from '../../model/testing/records.js';
import type { SqlClient } from '../../sql/sql-client.js';
import { RowStore } from '../row-store.js';

export interface RowStoreSuiteOptions {
  name: string;
  /** Opens a client on an empty database or schema; undefined = skip with `skipReason`. */
  open(): Promise<SqlClient | undefined>;
  /** Why the suite is skipped when `open` returns undefined. */
  skipReason?: () => string;
  /** Called after the suite with the client (closed already), e.g. to drop a schema. */
  cleanup?(): Promise<void>;
}

/** Every table as sorted plain rows, to compare whole states. */
async function snapshot(client: SqlClient): Promise<unknown> {
  const fares = await client.query(
    `SELECT origin, destination, departure_date::text AS d, return_date::text AS r, pos, cabin,
       carrier, stops, currency, amount::text AS amount, seen_at, vendor, search_id,
       depart_at::text AS depart_at, arrive_at::text AS arrive_at
     FROM cheapest_fares ORDER BY 1,2,3,4,5,6,7,8,9`,
  );
  const markets = await client.query(
    `SELECT origin, destination, searches::text AS searches, first_seen, last_seen
     FROM markets ORDER BY 1,2`,
  );
  const searches = await client.query(
    `SELECT origin, destination, search_id, received_at FROM market_searches ORDER BY 1,2,3`,
  );
  const marketFares = await client.query(
    `SELECT origin, destination, currency, offers::text AS offers, min_amount::text AS min
     FROM market_fares ORDER BY 1,2,3`,
  );
  return JSON.parse(JSON.stringify({ fares, markets, searches, marketFares }));
}

/**
 * market_fares against what it keeps: the count and cheapest fare per market and
 * currency of cheapest_fares. Returns its rows.
 */
async function assertMarketFaresKept(client: SqlClient, when: string): Promise<unknown[]> {
  const kept = await client.query(
    `SELECT origin, destination, currency, offers::text AS offers, min_amount::text AS min
     FROM market_fares ORDER BY 1,2,3`,
  );
  const actual = await client.query(
    `SELECT origin, destination, currency, count(*)::text AS offers, min(amount)::text AS min
     FROM cheapest_fares GROUP BY 1,2,3 ORDER BY 1,2,3`,
  );
  assert.deepEqual(JSON.parse(JSON.stringify(kept)), JSON.parse(JSON.stringify(actual)), when);
  return kept;
}

const T1 = '2030-01-01T10:00:00.000Z';
const T2 = '2030-01-01T11:00:00.000Z';

/** Registers the suite with node:test. */
export function runRowStoreSuite(opts: RowStoreSuiteOptions): void {
  describe(`RowStore on ${opts.name}`, () => {
    let client: SqlClient | undefined;
    let store: RowStore;

    before(async () => {
      client = await opts.open();
      if (!client) return;
      store = new RowStore(client, { chunkRows: 50 });
      await store.migrate();
    });
    after(async () => {
      await client?.close();
      await opts.cleanup?.();
    });
    beforeEach(async () => {
      await client?.exec('TRUNCATE cheapest_fares, markets, market_searches');
    });

    const test = (name: string, fn: () => Promise<void>) =>
      it(name, async (t) => {
        if (!client) {
          t.skip(opts.skipReason?.() ?? 'no database');
          return;
        }
        await fn();
      });

    test('migrate is idempotent and recorded', async () => {
      assert.deepEqual(await store.migrate(), []);
      const rows = await client!.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        rows.map((r) => Number(r.version)),
        [1, 2, 3, 4, 5],
      );
    });

    test('keeps the lowest price per key, with the search that had it', async () => {
      await store.applyRecords([
        searchRecord({ id: 's1', offers: [{ carrier: 'BA', amount: 500 }] }),
      ]);
      await store.applyRecords([
        searchRecord({
          id: 's2',
          receivedAt: T2,
          vendor: 'kiwi',
          offers: [{ carrier: 'BA', amount: 399.99 }],
        }),
      ]);
      await store.applyRecords([
        searchRecord({ id: 's3', offers: [{ carrier: 'BA', amount: 450 }] }),
      ]);
      const fares = await store.cheapest({
        origin: 'JFK',
        destination: 'LHR',
        departureDate: '2030-03-01',
      });
      assert.deepEqual(fares, [
        {
          carrier: 'BA',
          stops: 0,
          cabin: 'economy',
          pos: null,
          amount: 399.99,
          currency: 'USD',
          seenAt: T2,
          vendor: 'kiwi',
          searchId: 's2',
        },
      ]);
    });

    test('keeps each market and currency its count of fares and cheapest, whatever writes them', async () => {
      const c = client!;
      // three markets, two currencies, more fare keys than a chunk (50): several statements
      const records: ShoppingRecord[] = [];
      for (let i = 0; i < 90; i++)
        records.push(
          searchRecord({
            id: `m${i}`,
            origin: ['JFK', 'BOS', 'SFO'][i % 3] as string,
            departureDate: `2030-03-${String(1 + (i % 28)).padStart(2, '0')}`,
            offers: [
              { carrier: 'BA', amount: 300 + i },
              { carrier: 'AA', amount: 200 + ((i * 7) % 50), currency: i % 2 ? 'EUR' : 'USD' },
            ],
          }),
        );
      await store.applyRecords(records);
      const first = await assertMarketFaresKept(c, 'after the first batch');
      assert.equal(first.length, 6);
      // lower prices for some keys (updates), new keys beside them (inserts), replays
      await store.applyRecords([
        ...records.slice(0, 30),
        searchRecord({ id: 'cheap', offers: [{ carrier: 'BA', amount: 99 }] }),
        searchRecord({
          id: 'new',
          origin: 'SFO',
          departureDate: '2030-04-02',
          offers: [{ carrier: 'UA', amount: 120, currency: 'GBP' }],
        }),
      ]);
      await assertMarketFaresKept(c, 'after updates and inserts');
      // hand-written statements: the cheapest raised, a key moved to another currency, the
      // cheapest of a market deleted, a market's last fare of a currency deleted
      await c.exec(`UPDATE cheapest_fares SET amount = 1000 WHERE amount = 99`);
      await assertMarketFaresKept(c, 'after the cheapest was raised');
      await c.exec(
        `UPDATE cheapest_fares SET currency = 'CHF' WHERE origin = 'BOS' AND carrier = 'BA' AND departure_date < '2030-03-10'`,
      );
      await assertMarketFaresKept(c, 'after fares moved to another currency');
      await c.exec(
        `DELETE FROM cheapest_fares WHERE (origin, destination, currency, amount) IN (SELECT origin, destination, currency, min(amount) FROM cheapest_fares GROUP BY 1, 2, 3)`,
      );
      await assertMarketFaresKept(c, 'after the cheapest of each was deleted');
      await c.exec(`DELETE FROM cheapest_fares WHERE currency = 'GBP'`);
      const kept = await assertMarketFaresKept(c, 'after a currency lost its last fare');
      assert.ok(!JSON.stringify(kept).includes('GBP'), 'none kept for it');
      // the prune's deletes, then a truncate
      await store.prune({
        now: Date.parse('2030-03-16T00:00:00Z'),
        fareRetentionMs: 365 * 86_400_000,
      });
      const pruned = await assertMarketFaresKept(c, 'after a prune of departed fares');
      assert.ok(pruned.length > 0, 'fares departing after the prune are kept');
      await c.exec('TRUNCATE cheapest_fares');
      assert.deepEqual(await assertMarketFaresKept(c, 'after a truncate'), []);
    });

    test("leaves a market's row alone when a lowered fare is not its cheapest", async () => {
      const c = client!;
      await store.applyRecords([
        searchRecord({
          id: 'a',
          offers: [
            { carrier: 'BA', amount: 500 },
            { carrier: 'AA', amount: 300 },
          ],
        }),
      ]);
      const version = async () =>
        (
          await c.query<{ v: string; min: string }>(
            `SELECT xmin::text AS v, min_amount::text AS min FROM market_fares
             WHERE origin = 'JFK' AND destination = 'LHR' AND currency = 'USD'`,
          )
        )[0];
      const before = await version();
      assert.equal(Number(before?.min), 300);
      // BA lowered to 450: its fare row is updated, the market's cheapest (AA 300) is not
      await store.applyRecords([
        searchRecord({ id: 'b', offers: [{ carrier: 'BA', amount: 450 }] }),
      ]);
      assert.deepEqual(await version(), before, 'the row is not rewritten');
      await assertMarketFaresKept(c, 'after a lowered fare that is not the cheapest');
      // AA lowered to 250: the cheapest changes, and the row with it
      await store.applyRecords([
        searchRecord({ id: 'c', offers: [{ carrier: 'AA', amount: 250 }] }),
      ]);
      const after = await version();
      assert.equal(Number(after?.min), 250);
      assert.notEqual(after?.v, before?.v);
      await assertMarketFaresKept(c, 'after the cheapest was lowered');
    });

    test("the calendar and a market's cheapest compare amounts as numbers, not as text", async () => {
      // as text "100.64" < "79.11" < "87.15": the dearest of each would have been shown
      await store.applyRecords([
        searchRecord({
          id: 'n1',
          departureDate: '2030-03-01',
          offers: [
            { carrier: 'AA', amount: 100.64 },
            { carrier: 'DL', amount: 87.15 },
          ],
        }),
        searchRecord({
          id: 'n2',
          departureDate: '2030-03-02',
          offers: [{ carrier: 'UA', amount: 79.11 }],
        }),
      ]);
      const days = await store.calendar({
        origin: 'JFK',
        destination: 'LHR',
        from: '2030-03-01',
        to: '2030-03-02',
      });
      assert.deepEqual(
        days.map((d) => [d.departureDate, d.carrier, d.amount]),
        [
          ['2030-03-01', 'DL', 87.15],
          ['2030-03-02', 'UA', 79.11],
        ],
      );
      const market = await store.market('JFK', 'LHR', { today: '2030-01-01' });
      assert.deepEqual(
        market?.cheapest.map((c) => [c.tripType, c.carrier, c.amount, c.departureDate]),
        [['oneway', 'UA', 79.11, '2030-03-02']],
      );
    });

    test('on an equal price keeps the earlier sighting, whatever the arrival order', async () => {
      const late = searchRecord({
        id: 'late',
        receivedAt: T2,
        offers: [{ carrier: 'BA', amount: 300 }],
      });
      const early = searchRecord({
        id: 'early',
        receivedAt: T1,
        offers: [{ carrier: 'BA', amount: 300 }],
      });
      await store.applyRecords([late]);
      await store.applyRecords([early]);
      const a = await snapshot(client!);
      await client!.exec('TRUNCATE cheapest_fares, markets, market_searches');
      await store.applyRecords([early, late]);
      assert.deepEqual(await snapshot(client!), a);
      const [fare] = await store.cheapest({
        origin: 'JFK',
        destination: 'LHR',
        departureDate: '2030-03-01',
      });
      assert.equal(fare?.searchId, 'early');
      assert.equal(fare?.seenAt, T1);
    });

    test('replaying a batch leaves the same state and the same search counts', async () => {
      const batch: ShoppingRecord[] = [];
      for (let i = 0; i < 120; i++) {
        batch.push(
          searchRecord({
            id: `r${i}`,
            destination: i % 3 === 0 ? 'CDG' : 'LHR',
            departureDate: `2030-03-${String(1 + (i % 5)).padStart(2, '0')}`,
            receivedAt: new Date(Date.parse(T1) + i * 1000).toISOString(),
            offers: [
              { carrier: 'BA', amount: 300 + ((i * 37) % 200) },
              { carrier: 'AA', amount: 280 + ((i * 53) % 300), stops: i % 2 },
            ],
          }),
        );
      }
      const first = await store.applyRecords(batch);
      assert.equal(first.newSearches, 120);
      const state = await snapshot(client!);
      const again = await store.applyRecords(batch);
      assert.deepEqual(again, { newSearches: 0, faresChanged: 0, changedMarkets: [] });
      await store.applyRecords([...batch].reverse().slice(0, 70));
      assert.deepEqual(await snapshot(client!), state);
      const markets = await store.markets();
      assert.deepEqual(
        markets.map((m) => [m.destination, m.searches]),
        [
          ['LHR', 80],
          ['CDG', 40],
        ],
      );
      // Applied in another order and split differently, the state is the same.
      await client!.exec('TRUNCATE cheapest_fares, markets, market_searches');
      await store.applyRecords(batch.slice(60).reverse());
      await store.applyRecords(batch.slice(0, 60));
      assert.deepEqual(await snapshot(client!), state);
    });

    test("counts two vendors' searches that share an id as two (a record is vendor and id)", async () => {
      await client!.exec('TRUNCATE cheapest_fares, markets, market_searches');
      const offers = [{ carrier: 'IB', amount: 120 }];
      const a = searchRecord({ id: 'same-id', destination: 'MAD', offers });
      const b = {
        ...searchRecord({ id: 'same-id', destination: 'MAD', offers }),
        vendor: 'duffel',
      };
      assert.equal((await store.applyRecords([a, b])).newSearches, 2);
      assert.equal((await store.applyRecords([b])).newSearches, 0, 'a re-delivery is not counted');
      const m = (await store.markets()).find((x) => x.destination === 'MAD');
      assert.equal(m?.searches, 2);
    });

    test('never compares fares in different currencies', async () => {
      await store.applyRecords([
        searchRecord({
          id: 'c1',
          offers: [
            { carrier: 'BA', amount: 500, currency: 'USD' },
            { carrier: 'BA', amount: 100, currency: 'EUR' },
            { carrier: 'BA', amount: 60000, currency: 'JPY' },
          ],
        }),
        searchRecord({ id: 'c2', offers: [{ carrier: 'BA', amount: 450, currency: 'EUR' }] }),
      ]);
      const fares = await store.cheapest({
        origin: 'JFK',
        destination: 'LHR',
        departureDate: '2030-03-01',
      });
      assert.deepEqual(
        fares.map((f) => [f.currency, f.amount]),
        [
          ['EUR', 100],
          ['JPY', 60000],
          ['USD', 500],
        ],
      );
      const [m] = await store.markets();
      assert.deepEqual(m?.cheapest, [
        { amount: 100, currency: 'EUR' },
        { amount: 60000, currency: 'JPY' },
        { amount: 500, currency: 'USD' },
      ]);
    });

    test('cheapest is per carrier and stop count, filtered by trip, pos and cabin', async () => {
      await store.applyRecords([
        searchRecord({
          id: 'a',
          pos: 'US',
          offers: [
            { carrier: 'BA', amount: 500 },
            { carrier: 'BA', amount: 350, stops: 1 },
            { carrier: 'AA', amount: 420 },
            { carrier: 'AA', amount: 2100, cabin: 'business' },
          ],
        }),
        searchRecord({ id: 'b', pos: 'GB', offers: [{ carrier: 'BA', amount: 480 }] }),
        searchRecord({
          id: 'c',
          returnDate: '2030-03-08',
          offers: [{ carrier: 'BA', amount: 700 }],
        }),
        searchRecord({
          id: 'd',
          departureDate: '2030-03-02',
          offers: [{ carrier: 'BA', amount: 90 }],
        }),
      ]);
      const trip = { origin: 'JFK', destination: 'LHR', departureDate: '2030-03-01' };
      const brief = (fs: Awaited<ReturnType<RowStore['cheapest']>>) =>
        fs.map((f) => `${f.carrier}/${f.stops}/${f.cabin}/${f.pos}/${f.amount}`);
      assert.deepEqual(brief(await store.cheapest(trip)), [
        'BA/1/economy/US/350',
        'AA/0/economy/US/420',
        'BA/0/economy/GB/480',
      ]);
      assert.deepEqual(brief(await store.cheapest({ ...trip, pos: 'US' })), [
        'BA/1/economy/US/350',
        'AA/0/economy/US/420',
        'BA/0/economy/US/500',
      ]);
      assert.deepEqual(brief(await store.cheapest({ ...trip, cabin: 'business' })), [
        'AA/0/business/US/2100',
      ]);
      assert.deepEqual(brief(await store.cheapest({ ...trip, returnDate: '2030-03-08' })), [
        'BA/0/economy/null/700',
      ]);
      assert.deepEqual(await store.cheapest({ ...trip, origin: 'LAX' }), []);
    });

    test('markets: busiest first, duplicates counted once, multi-city counted but not priced', async () => {
      const recs: ShoppingRecord[] = [];
      const add = (dest: string, n: number) => {
        for (let i = 0; i < n; i++)
          recs.push(
            searchRecord({
              id: `${dest}${i}`,
              destination: dest,
              offers: [{ carrier: 'BA', amount: 100 + i }],
            }),
          );
      };
      add('LHR', 2);
      add('CDG', 3);
      add('AMS', 1);
      add('BCN', 2);
      await store.applyRecords(recs.slice(0, 4));
      await store.applyRecords(recs.slice(2));
      await store.applyRecords([
        searchRecord({
          id: 'mc',
          destination: 'FRA',
          multicity: true,
          offers: [{ carrier: 'LH', amount: 50 }],
        }),
      ]);
      const markets = await store.markets();
      assert.deepEqual(
        markets.map((m) => `${m.destination}:${m.searches}:${m.offers}`),
        ['CDG:3:1', 'BCN:2:1', 'LHR:2:1', 'AMS:1:1', 'FRA:1:0'],
      );
      assert.deepEqual(
        (await store.markets({ limit: 2 })).map((m) => m.destination),
        ['CDG', 'BCN'],
      );
      assert.equal(markets[0]?.lastSeen, T1);
      assert.deepEqual(markets[0]?.cheapest, [{ amount: 100, currency: 'USD' }]);
    });

    test('prune forgets old search ids and departed fares, keeps the rest', async () => {
      const now = Date.parse('2030-03-05T12:00:00.000Z');
      await store.applyRecords([
        searchRecord({
          id: 'old',
          receivedAt: '2030-03-01T00:00:00.000Z',
          departureDate: '2030-03-03',
          offers: [{ carrier: 'BA', amount: 1 }],
        }),
        searchRecord({
          id: 'new',
          receivedAt: '2030-03-05T11:00:00.000Z',
          departureDate: '2030-03-04',
          offers: [{ carrier: 'BA', amount: 2 }],
        }),
      ]);
      assert.deepEqual(await store.prune({ now, searchRetentionMs: 48 * 3600_000 }), {
        searchIds: 1,
        departedFares: 1,
        staleFares: 0,
      });
      // A replay within the retention is still recognised.
      await store.applyRecords([
        searchRecord({
          id: 'new',
          receivedAt: '2030-03-05T11:00:00.000Z',
          departureDate: '2030-03-04',
          offers: [{ carrier: 'BA', amount: 2 }],
        }),
      ]);
      const [m] = await store.markets();
      assert.equal(m?.searches, 2);
      assert.equal(m?.offers, 1);
    });

    test('prune drops fares not seen within the fare retention and reuses their space', async () => {
      // 300 searches of 10 fares each (one per carrier), all distinct trips
      const batch = (prefix: string, receivedAt: string, day: number) =>
        Array.from({ length: 300 }, (_, i) =>
          searchRecord({
            id: `${prefix}${i}`,
            receivedAt,
            departureDate: `2031-${String(1 + (i % 12)).padStart(2, '0')}-${String(day + (i % 20)).padStart(2, '0')}`,
            returnDate: `2032-01-${String(1 + Math.floor(i / 12)).padStart(2, '0')}`,
            offers: Array.from({ length: 10 }, (_, c) => ({ carrier: `Q${c}`, amount: 100 + c })),
          }),
        );
      const size = async () => {
        const [r] = await store.client.query<{ b: number | string }>(
          "SELECT pg_relation_size('cheapest_fares') AS b",
        );
        return Number(r?.b);
      };
      const now = Date.parse('2030-06-10T12:00:00.000Z');
      await store.applyRecords(batch('a', '2030-06-01T00:00:00.000Z', 1));
      const [kept] = await store.client.query<{ n: number | string }>(
        'SELECT count(*) AS n FROM cheapest_fares',
      );
      await store.prune({ now, fareRetentionMs: 48 * 3600_000 }); // vacuums the setup's rows too
      const before = await size();
      await store.applyRecords(batch('b', '2030-06-01T00:00:00.000Z', 1));
      const full = await size();
      const p = await store.prune({ now, fareRetentionMs: 48 * 3600_000 });
      assert.ok(p.staleFares >= 3000, `stale fares ${p.staleFares}`);
      // fares seen within the retention stay
      await store.applyRecords(batch('c', '2030-06-10T11:00:00.000Z', 1));
      assert.equal((await store.prune({ now, fareRetentionMs: 48 * 3600_000 })).staleFares, 0);
      // the same number of rows again, in the space the pruned ones left
      assert.ok(
        (await size()) <= full,
        `cheapest_fares grew from ${full} to ${await size()} bytes after its rows were pruned (before ${before}, ${kept?.n} rows kept at first)`,
      );
    });
  });
}
