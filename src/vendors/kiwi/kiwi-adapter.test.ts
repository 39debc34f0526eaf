import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertContract,
  context,
  contextAt,
  fixture,
  receivedAtFor,
  sharedExamples,
} from '../testing/vendor-test-kit.js';
import { KiwiAdapter } from './kiwi-adapter.js';

const adapter = new KiwiAdapter();

describe('KiwiAdapter', () => {
  const { records, rejected } = adapter.parse(fixture('kiwi', 'search-roundtrip.json'), context());

  it('reads the search: market from the first offer, passengers from search_params', () => {
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.equal(r.id, 'kiwi-search-0001');
    assert.equal(r.vendor, 'kiwi');
    assert.equal(r.origin, 'PRG');
    assert.equal(r.destination, 'BCN');
    assert.equal(r.departureDate, '2025-08-14');
    assert.equal(r.returnDate, '2025-08-21');
    assert.equal(r.tripType, 'roundtrip');
    assert.deepEqual(r.passengers, { adults: 2, children: 0, infants: 0 });
  });

  it('splits route[] into legs by return and keeps local wall times', () => {
    const o = records[0]!.offers[0]!;
    assert.equal(o.legs.length, 2);
    assert.deepEqual(o.legs[0], {
      stops: 0,
      durationMinutes: 140,
      segments: [
        {
          carrier: 'VY',
          flightNumber: '8771',
          operatingCarrier: 'VY',
          origin: 'PRG',
          destination: 'BCN',
          departAt: '2025-08-14T06:20:00',
          arriveAt: '2025-08-14T08:40:00',
          bookingClass: 'Y',
          fareBasis: 'YOWCZ',
          cabin: 'economy',
        },
      ],
    });
    const back = o.legs[1]!;
    assert.equal(back.stops, 1);
    assert.equal(back.durationMinutes, 510);
    assert.deepEqual(
      back.segments.map((s) => [
        s.carrier,
        s.flightNumber,
        s.operatingCarrier,
        s.origin,
        s.destination,
        s.departAt,
        s.cabin,
      ]),
      [
        ['VY', '6102', 'VY', 'BCN', 'FCO', '2025-08-21T19:05:00', 'economy'],
        ['FR', '8372', undefined, 'FCO', 'PRG', '2025-08-22T07:10:00', 'premium'],
      ],
    );
  });

  it('reads prices in the response currency', () => {
    const o = records[0]!.offers[0]!;
    assert.equal(o.currency, 'CZK');
    assert.equal(o.totalAmount, 7340);
    assert.equal(o.perAdultAmount, 3670);
    assert.deepEqual(o.passengerPrices, [{ type: 'adult', count: 2, totalAmount: 7340 }]);
    assert.equal(o.validatingCarrier, 'VY');
    assert.deepEqual(o.carriers, ['VY', 'FR']);
    assert.equal(o.cabin, 'premium');
    assert.equal(o.seatsRemaining, 3);
  });

  it('rejects the itinerary with a flight missing its destination', () => {
    assert.deepEqual(rejected, [
      { index: 1, reason: 'data[1].route[0].flyTo: expected text, got missing' },
    ]);
  });
});

describe('KiwiAdapter, three adults, values as text, older and newer route shapes', () => {
  const { records, rejected } = adapter.parse(
    fixture('kiwi', 'search-v2-three-adults-text-values.json'),
    context(),
  );

  it('reads the search with passengers given as text and a lower-case currency', () => {
    const r = records[0]!;
    assert.deepEqual(r.passengers, { adults: 3, children: 1, infants: 0 });
    assert.deepEqual(records[1]!.passengers, { adults: 3, children: 1, infants: 0 });
  });

  it('gives round-trip and one-way itineraries each their own record and id', () => {
    assert.deepEqual(
      records.map((r) => [
        r.id,
        r.origin,
        r.destination,
        r.departureDate,
        r.returnDate,
        r.tripType,
        r.offers.map((o) => o.totalAmount),
      ]),
      [
        [
          'kiwi-search-usd-3adt~2025-10-10~2025-10-15',
          'JFK',
          'MIA',
          '2025-10-10',
          '2025-10-15',
          'roundtrip',
          [412],
        ],
        [
          'kiwi-search-usd-3adt~2025-10-10',
          'LGA',
          'MIA',
          '2025-10-10',
          undefined,
          'oneway',
          [100.5, 250],
        ],
      ],
    );
  });

  it('keeps per-passenger fares when they are exact, with return and flight_no as text', () => {
    const o = records[0]!.offers[0]!;
    assert.deepEqual([o.currency, o.totalAmount, o.perAdultAmount], ['USD', 412, 103]);
    assert.deepEqual(o.passengerPrices, [
      { type: 'adult', count: 3, totalAmount: 309 },
      { type: 'child', count: 1, totalAmount: 103 },
    ]);
    assert.deepEqual([o.validatingCarrier, o.cabin, o.seatsRemaining], ['AA', 'business', 4]);
    assert.deepEqual(o.legs[0], {
      stops: 0,
      durationMinutes: 190,
      segments: [
        {
          carrier: 'AA',
          flightNumber: '123',
          operatingCarrier: 'AA',
          origin: 'JFK',
          destination: 'MIA',
          departAt: '2025-10-10T07:00:00',
          arriveAt: '2025-10-10T10:10:00',
          bookingClass: 'J',
          fareBasis: 'JOWAA',
          cabin: 'business',
        },
      ],
    });
    assert.deepEqual(
      o.legs[1]!.segments.map((s) => [s.flightNumber, s.origin, s.destination, s.departAt]),
      [['456', 'MIA', 'JFK', '2025-10-15T18:00:00']],
    );
  });

  it('keeps the offer but leaves out per-passenger fares finer than the minor unit', () => {
    const o = records[1]!.offers[0]!;
    assert.deepEqual(
      [o.totalAmount, o.perAdultAmount, o.passengerPrices, o.legs.length],
      [100.5, undefined, undefined, 1],
    );
    assert.equal(o.legs[0]!.segments[0]!.operatingCarrier, undefined);
  });

  it('takes the price from conversion and times from the older dTime/aTime epochs', () => {
    const o = records[1]!.offers[1]!;
    assert.deepEqual([o.currency, o.totalAmount], ['USD', 250]);
    assert.deepEqual(
      o.legs[0]!.segments.map((s) => [
        s.carrier,
        s.flightNumber,
        s.origin,
        s.destination,
        s.departAt,
        s.arriveAt,
      ]),
      [['NK', '611', 'EWR', 'FLL', '2025-10-10T06:00:00', '2025-10-10T09:02:00']],
    );
  });

  it('rejects an itinerary without outbound flights and a bus, naming the fields', () => {
    assert.deepEqual(rejected, [
      { index: 3, reason: 'data[3].route: no outbound flights (return: 0)' },
      {
        index: 4,
        reason:
          'data[4]: offer validatingCarrier: must be an IATA airline designator; carriers[0]: must be an IATA airline designator; legs[0].segments[0].carrier: must be an IATA airline designator',
      },
    ]);
  });

  it('rejects a search that found nothing', () => {
    const r = adapter.parse(
      JSON.stringify({ search_id: 's0', currency: 'EUR', _results: 0, data: [] }),
      context(),
    );
    assert.deepEqual(r, {
      records: [],
      rejected: [{ index: -1, reason: 'data: no itineraries (the search found none)' }],
    });
  });
});

describe('KiwiAdapter over the shared examples', () => {
  const ex = sharedExamples('kiwi');
  if ('skip' in ex) {
    it('runs over shared examples', (t) => {
      console.log(`skipped: ${ex.skip}`);
      t.skip(ex.skip);
    });
    return;
  }
  for (const { name, body } of ex.files) {
    it(`reads ${name}`, () => {
      // Received when a payload of its age would have been, not on RECEIVED_AT.
      const r = adapter.parse(body, contextAt(receivedAtFor(adapter, body)));
      assert.equal(assertContract(r), undefined);
      assert.deepEqual(r.rejected, []);
      const rec = r.records[0]!;
      assert.deepEqual([rec.origin, rec.destination, rec.tripType], ['OSL', 'LIM', 'oneway']);
      assert.deepEqual(
        rec.offers.map((o) => [o.totalAmount, o.currency]),
        [
          [525, 'EUR'],
          [542, 'EUR'],
        ],
      );
      assert.equal(rec.offers[0]!.legs[0]!.segments[0]!.departAt, '2019-03-01T18:45:00');
    });
  }
});
