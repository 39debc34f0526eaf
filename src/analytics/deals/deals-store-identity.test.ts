import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGliteClient } from '../../sql/pglite/pglite-client.js';
import type { SqlClient } from '../../sql/sql-client.js';
import { type Deal, DealsStore } from './deals-store.js';

function deal(vendor: string, price: number): Deal {
  return {
    searchId: 'same-id',
    offerIndex: 0,
    origin: 'JFK',
    destination: 'LHR',
    departureDate: '2030-02-01',
    returnDate: null,
    tripType: 'oneway',
    cabin: 'economy',
    carrier: 'BA',
    stops: 0,
    currency: 'USD',
    price,
    typicalPrice: 500,
    savingsPct: 100 - price / 5,
    label: 'great',
    segment: 'JFK-LHR',
    fares: 100,
    explanation: `${vendor} fare`,
    shoppedAt: '2030-01-01T12:00:00.000Z',
    vendor,
  };
}

describe('deals are identified by (vendor, search id, offer index)', () => {
  let client: SqlClient;
  before(async () => {
    client = await PGliteClient.open();
  });
  after(async () => {
    await client.close();
  });

  it("keeps two vendors' deals of the same record id apart, and still upserts one vendor's", async () => {
    const store = new DealsStore(client);
    await store.migrate();
    await store.saveBatch([deal('amadeus', 300)], [], new Map());
    await store.saveBatch([deal('sabre', 350)], [], new Map());
    await store.saveBatch([deal('sabre', 350)], [], new Map());
    const rows = await store.deals();
    assert.deepEqual(rows.map((d) => [d.vendor, d.searchId, d.price]).sort(), [
      ['amadeus', 'same-id', 300],
      ['sabre', 'same-id', 350],
    ]);
  });
});
