import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertContract, context, fixture, sharedExamples } from '../testing/vendor-test-kit.js';
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
      const r = adapter.parse(body, context());
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
