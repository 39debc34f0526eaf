/**
 * The route graph, fare calendar and market detail as one suite, run against every
 * SqlClient (graph.test.ts on PGlite, graph.integration.test.ts on PostgreSQL), on a small
 * hand-made network whose answers are worked out by hand in the comments.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ShoppingRecord } from '../../model/shopping-record.js';
import { searchRecord } from '../../model/testing/records.js';
import type { SqlClient } from '../../sql/sql-client.js';
import { EDGE_HEADER, NODE_HEADER } from '../graph-export.js';
import { RowStore } from '../row-store.js';

export interface GraphSuiteOptions {
  name: string;
  open(): Promise<SqlClient | undefined>;
  skipReason?: () => string;
  cleanup?(): Promise<void>;
}

let n = 0;
/** A one-way search with one offer flying `from`-`to` departing and arriving at local times. */
export function flight(
  from: string,
  to: string,
  departAt: string,
  arriveAt: string,
  amount: number,
  carrier: string,
  opts: { currency?: string; stops?: number } = {},
): ShoppingRecord {
  const departureDate = departAt.slice(0, 10);
  return {
    id: `f${n++}-${from}${to}`,
    vendor: 'generic',
    shoppedAt: '2030-04-01T10:00:00.000Z',
    receivedAt: '2030-04-01T10:00:00.000Z',
    origin: from,
    destination: to,
    departureDate,
    tripType: 'oneway',
    passengers: { adults: 1, children: 0, infants: 0 },
    offers: [
      {
        totalAmount: amount,
        currency: opts.currency ?? 'USD',
        validatingCarrier: carrier,
        carriers: [carrier],
        cabin: 'economy',
        legs: [
          {
            stops: opts.stops ?? 0,
            segments: [
              { carrier, flightNumber: '1', origin: from, destination: to, departAt, arriveAt },
            ],
          },
        ],
      },
    ],
  };
}

/**
 * JFK to LHR on 2030-05-01 (connection times are local at the transfer airport):
 * - through fare BA 600;
 * - JFK-DUB 150 arriving 07:30, then DUB-LHR 40 (U2) at 12:00 (4.5 h: ok), 20 at 09:00 (1.5 h:
 *   only with a 60 min minimum), 25 at 17:00 (9.5 h: ok), 10 two days later (too late),
 *   and 5 EUR (other currency);
 * - JFK-KEF 100 arriving 06:00, KEF-DUB 30 at 10:00 (4 h), arriving 13:00, so
 *   DUB-LHR at 17:00 (4 h) makes JFK-KEF-DUB-LHR 155.
 */
export const NETWORK: readonly ShoppingRecord[] = [
  flight('JFK', 'LHR', '2030-05-01T18:00', '2030-05-02T06:00', 600, 'BA', { stops: 1 }),
  flight('JFK', 'DUB', '2030-05-01T20:00', '2030-05-02T07:30', 150, 'EI'),
  flight('DUB', 'LHR', '2030-05-02T12:00', '2030-05-02T13:20', 40, 'U2'),
  flight('DUB', 'LHR', '2030-05-02T09:00', '2030-05-02T10:20', 20, 'FR'),
  flight('DUB', 'LHR', '2030-05-02T17:00', '2030-05-02T18:20', 25, 'EI'),
  flight('DUB', 'LHR', '2030-05-04T12:00', '2030-05-04T13:20', 10, 'FR'),
  flight('DUB', 'LHR', '2030-05-02T12:30', '2030-05-02T13:50', 5, 'FR', { currency: 'EUR' }),
  flight('JFK', 'KEF', '2030-05-01T21:00', '2030-05-02T06:00', 100, 'FI'),
  flight('KEF', 'DUB', '2030-05-02T10:00', '2030-05-02T13:00', 30, 'FI'),
];

const TODAY = '2030-04-01';

/** Registers the suite with node:test. */
export function runGraphSuite(opts: GraphSuiteOptions): void {
  describe(`route graph and market reads on ${opts.name}`, () => {
    let client: SqlClient | undefined;
    let store: RowStore;
    before(async () => {
      client = await opts.open();
      if (!client) return;
      store = new RowStore(client);
      await store.migrate();
      await store.applyRecords(NETWORK);
    });
    after(async () => {
      await client?.close();
      await opts.cleanup?.();
    });
    const test = (name: string, fn: () => Promise<void>) =>
      it(name, async (t) => {
        if (!client) {
          t.skip(opts.skipReason?.() ?? 'no database');
          return;
        }
        await fn();
      });
    const routes = (maxStops: number, extra: { minConnectionMinutes?: number } = {}) =>
      store.itineraries({
        origin: 'JFK',
        destination: 'LHR',
        date: '2030-05-01',
        maxStops,
        today: TODAY,
        ...extra,
      });
    const path = (it: { fares: { origin: string; destination: string }[] }) =>
      [it.fares[0]!.origin, ...it.fares.map((f) => f.destination)].join('-');

    test('without stops only the through fare', async () => {
      const r = await routes(0);
      assert.deepEqual(
        r.map((i) => [path(i), i.totalAmount, i.selfTransfer, i.beatsThroughFare]),
        [['JFK-LHR', 600, false, false]],
      );
      assert.equal(r[0]!.fares[0]!.stops, 1);
    });

    test('one self-transfer respects the minimum connection time and the 24 h window', async () => {
      const r = await routes(1);
      assert.deepEqual(
        r.map((i) => [path(i), i.totalAmount]),
        [
          ['JFK-DUB-LHR', 175],
          ['JFK-DUB-LHR', 190],
          ['JFK-LHR', 600],
        ],
      );
      const best = r[0]!;
      assert.equal(best.transfers, 1);
      assert.equal(best.throughFare, 600);
      assert.equal(best.beatsThroughFare, true);
      assert.equal(best.departAt, '2030-05-01T20:00');
      assert.equal(best.arriveAt, '2030-05-02T18:20');
      assert.deepEqual(
        best.fares.map((f) => [f.carrier, f.amount, f.departAt]),
        [
          ['EI', 150, '2030-05-01T20:00'],
          ['EI', 25, '2030-05-02T17:00'],
        ],
      );
      const short = await routes(1, { minConnectionMinutes: 60 });
      assert.deepEqual(
        short.slice(0, 1).map((i) => [path(i), i.totalAmount]),
        [['JFK-DUB-LHR', 170]],
      );
    });

    test('two self-transfers find the cheaper way through KEF', async () => {
      const [best] = await routes(2);
      assert.deepEqual(
        [path(best!), best!.totalAmount, best!.transfers],
        ['JFK-KEF-DUB-LHR', 155, 2],
      );
      assert.equal(best!.beatsThroughFare, true);
    });

    test('explore lists the cheapest way to every destination within the budget', async () => {
      const explore = (maxStops: number) =>
        store.itineraries({ origin: 'JFK', budget: 160, maxStops, today: TODAY });
      assert.deepEqual(
        (await explore(1)).map((i) => [i.destination, i.totalAmount, i.transfers]),
        [
          ['KEF', 100, 0],
          ['DUB', 130, 1],
        ],
      );
      assert.deepEqual(
        (await explore(2)).map((i) => [i.destination, i.totalAmount]),
        [
          ['KEF', 100],
          ['DUB', 130],
          ['LHR', 155],
        ],
      );
      const eur = await store.itineraries({
        origin: 'DUB',
        currency: 'EUR',
        maxStops: 1,
        today: TODAY,
      });
      assert.deepEqual(
        eur.map((i) => [i.destination, i.totalAmount, i.currency]),
        [['LHR', 5, 'EUR']],
      );
    });

    test('openCypher export has one airport per vertex and one route per market', async () => {
      const csv = await store.exportGraph('USD');
      const nodes = csv.nodes.trim().split('\n');
      assert.equal(nodes[0], NODE_HEADER);
      assert.deepEqual(
        nodes.slice(1).map((l) => l.split(',')[0]),
        ['DUB', 'JFK', 'KEF', 'LHR'],
      );
      const edges = csv.edges.trim().split('\n');
      assert.equal(edges[0], EDGE_HEADER);
      const dubLhr = edges.find((l) => l.startsWith('DUB-LHR,'))!.split(',');
      assert.deepEqual(dubLhr.slice(0, 8), [
        'DUB-LHR',
        'DUB',
        'LHR',
        'route',
        '10',
        'USD',
        '2030-05-04',
        'FR',
      ]);
      assert.equal(dubLhr[8], 'EI;FR;U2');
      assert.equal(dubLhr[9], '5');
      assert.equal(csv.routes, 5);
      assert.equal(csv.airports, 4);
    });

    test('calendar: cheapest per departure date, one-way or with a stay', async () => {
      await store.applyRecords([
        searchRecord({
          id: 'c1',
          departureDate: '2030-06-01',
          offers: [{ carrier: 'BA', amount: 300 }],
        }),
        searchRecord({
          id: 'c2',
          departureDate: '2030-06-01',
          offers: [{ carrier: 'AA', amount: 280 }],
        }),
        searchRecord({
          id: 'c3',
          departureDate: '2030-06-03',
          offers: [{ carrier: 'BA', amount: 350 }],
        }),
        searchRecord({
          id: 'c4',
          departureDate: '2030-06-01',
          returnDate: '2030-06-08',
          offers: [{ carrier: 'BA', amount: 700 }],
        }),
        searchRecord({
          id: 'c5',
          departureDate: '2030-07-01',
          offers: [{ carrier: 'BA', amount: 1 }],
        }),
      ]);
      const cal = await store.calendar({
        origin: 'JFK',
        destination: 'LHR',
        from: '2030-06-01',
        to: '2030-06-30',
      });
      assert.deepEqual(
        cal.map((d) => [d.departureDate, d.amount, d.carrier, d.returnDate]),
        [
          ['2030-06-01', 280, 'AA', null],
          ['2030-06-03', 350, 'BA', null],
        ],
      );
      const stay = await store.calendar({
        origin: 'JFK',
        destination: 'LHR',
        from: '2030-06-01',
        to: '2030-06-30',
        stay: 7,
      });
      assert.deepEqual(
        stay.map((d) => [d.departureDate, d.returnDate, d.amount]),
        [['2030-06-01', '2030-06-08', 700]],
      );
      const fixed = await store.calendar({
        origin: 'JFK',
        destination: 'LHR',
        from: '2030-06-01',
        to: '2030-06-30',
        returnDate: '2030-06-09',
      });
      assert.deepEqual(fixed, []);
    });

    test('market detail: counts, cheapest per trip kind, daily price summary', async () => {
      const m = await store.market('JFK', 'LHR', { today: '2030-06-01' });
      assert.ok(m);
      assert.equal(m.searches, 6);
      assert.deepEqual(
        m.cheapest.map((c) => [c.tripType, c.amount, c.departureDate]),
        [
          ['oneway', 1, '2030-07-01'],
          ['roundtrip', 700, '2030-06-01'],
        ],
      );
      assert.deepEqual(
        m.days.map((d) => [d.departureDate, d.tripType, d.min, d.avg, d.max, d.fares]),
        [
          ['2030-06-01', 'oneway', 280, 290, 300, 2],
          ['2030-06-01', 'roundtrip', 700, 700, 700, 1],
          ['2030-06-03', 'oneway', 350, 350, 350, 1],
          ['2030-07-01', 'oneway', 1, 1, 1, 1],
        ],
      );
      assert.equal(await store.market('JFK', 'SYD'), undefined);
    });

    test('itineraries are ranked by amount as a number, not as text', async () => {
      // as text "100.01" < "73.13": routes came dearest first and explore kept the dearer
      await store.applyRecords([
        flight('BOS', 'DCA', '2030-05-01T08:00', '2030-05-01T09:30', 100.01, 'B6'),
        flight('BOS', 'DCA', '2030-05-01T11:00', '2030-05-01T12:30', 73.13, 'WN'),
      ]);
      const r = await store.itineraries({
        origin: 'BOS',
        destination: 'DCA',
        date: '2030-05-01',
        maxStops: 0,
        today: TODAY,
      });
      assert.deepEqual(
        r.map((i) => [i.fares[0]!.carrier, i.totalAmount]),
        [
          ['WN', 73.13],
          ['B6', 100.01],
        ],
      );
      const explore = await store.itineraries({ origin: 'BOS', maxStops: 0, today: TODAY });
      assert.deepEqual(
        explore.map((i) => [i.destination, i.fares[0]!.carrier, i.totalAmount, i.throughFare]),
        [['DCA', 'WN', 73.13, 73.13]],
      );
    });
  });
}
