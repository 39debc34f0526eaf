/**
 * DealsStore.saveBatch upserts a large batch's deals DEALS_PER_STATEMENT to a transaction,
 * so that reads get the row store's connection between them, and saves the sketches and
 * positions with the last of them: a save that fails part way leaves the positions where
 * they were, and the replay of the batch writes the same rows once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGliteClient } from '../../sql/pglite/pglite-client.js';
import { countingClient } from '../../sql/testing/counting-client.js';
import { DEALS_PER_STATEMENT, type Deal, DealsStore, type StoredSketch } from './deals-store.js';

const deal = (i: number): Deal => ({
  searchId: `search-${i}`,
  offerIndex: i % 3,
  origin: 'JFK',
  destination: 'LHR',
  departureDate: '2030-02-01',
  returnDate: null,
  tripType: 'oneway',
  cabin: 'economy',
  carrier: 'BA',
  stops: 0,
  currency: 'USD',
  price: 300 + (i % 40),
  typicalPrice: 500,
  savingsPct: 35,
  label: 'great',
  segment: 'JFK-LHR',
  fares: 100,
  explanation: 'fare',
  shoppedAt: '2030-01-01T12:00:00.000Z',
  vendor: 'amadeus',
});
const sketch = (day: string): StoredSketch => ({
  segment: 'JFK-LHR',
  day,
  sketch: 'AAAA',
  fares: 3,
});

describe('DealsStore.saveBatch', () => {
  let sql: PGliteClient;
  before(async () => {
    sql = await PGliteClient.open();
    await new DealsStore(sql).migrate();
  });
  after(() => sql?.close());

  const count = async (table: string) =>
    Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
  const position = async (shard = 0) =>
    (await new DealsStore(sql).loadCheckpoint('2000-01-01')).positions.get(shard);

  it('upserts the deals in transactions of DEALS_PER_STATEMENT, the last with the sketches and positions', async () => {
    const { calls, client } = countingClient(sql);
    const store = new DealsStore(client);
    const n = 2 * DEALS_PER_STATEMENT + 100;
    const deals = Array.from({ length: n }, (_, i) => deal(i));
    await store.saveBatch(deals, [sketch('2030-01-01')], new Map([[0, 41]]));
    assert.deepEqual(
      { batch: calls.batch, statements: calls.statementsInBatches },
      {
        batch: 3,
        statements: 5,
      },
    );
    assert.equal(await count('deals'), n);
    assert.equal(await position(), 41);
    await sql.exec('DELETE FROM deals');
  });

  it('a save that fails part way keeps the positions; its replay writes each deal once', async () => {
    const store = new DealsStore(sql);
    await store.saveBatch([], [], new Map([[1, 10]]));
    const deals = Array.from({ length: DEALS_PER_STATEMENT + 5 }, (_, i) => deal(i));
    // the sketches' last transaction fails: a day that is no date
    await assert.rejects(
      store.saveBatch(deals, [sketch('not-a-day')], new Map([[1, 20]])),
      /date|not-a-day/i,
    );
    assert.equal(await position(1), 10, 'the positions were not raised');
    assert.equal(await count('deals'), DEALS_PER_STATEMENT, 'the first transaction stands');
    await store.saveBatch(deals, [sketch('2030-01-02')], new Map([[1, 20]]));
    assert.equal(await position(1), 20);
    assert.equal(await count('deals'), deals.length);
  });

  it("deletes dropSegments' day sketches in the transaction of the sketches and positions", async () => {
    const store = new DealsStore(sql);
    const other = { ...sketch('2030-01-03'), segment: 'JFK-CDG' };
    await store.saveBatch([], [sketch('2030-01-03'), sketch('2030-01-04'), other], new Map());
    const held = async () =>
      (
        await sql.query<{ s: string }>(
          "SELECT segment || ' ' || day AS s FROM deal_sketches ORDER BY 1",
        )
      ).map((r) => r.s);
    const before = await held();
    await assert.rejects(
      store.saveBatch([], [sketch('not-a-day')], new Map([[2, 5]]), ['JFK-LHR']),
      /date|not-a-day/i,
    );
    assert.deepEqual(await held(), before, 'a failed save deletes nothing');
    await store.saveBatch([], [other], new Map([[2, 5]]), ['JFK-LHR']);
    assert.deepEqual(await held(), ['JFK-CDG 2030-01-03']);
    assert.equal(await position(2), 5);
  });
});
