import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertContract, context, fixture, sharedExamples } from '../testing/vendor-test-kit.js';
import { SabreAdapter } from './sabre-adapter.js';

const adapter = new SabreAdapter();

describe('SabreAdapter, OTA_AirLowFareSearchRS (BFM v3/v4)', () => {
  const { records, rejected } = adapter.parse(
    fixture('sabre', 'bfm-v4-ota-roundtrip.json'),
    context(),
  );

  it('reads the search from the first itinerary and the transaction id', () => {
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.equal(r.id, '9083715520114538211');
    assert.equal(r.vendor, 'sabre');
    assert.equal(r.origin, 'LHR');
    assert.equal(r.destination, 'ORD');
    assert.equal(r.departureDate, '2025-09-12');
    assert.equal(r.returnDate, '2025-09-19');
    assert.equal(r.tripType, 'roundtrip');
    assert.deepEqual(r.passengers, { adults: 1, children: 1, infants: 0 });
    assert.equal(r.offers.length, 2);
  });

  it('reads an itinerary with arrays field by field', () => {
    const o = records[0]!.offers[0]!;
    assert.equal(o.currency, 'GBP');
    assert.equal(o.totalAmount, 1834.56);
    assert.equal(o.baseAmount, 1200);
    assert.equal(o.taxAmount, 634.56);
    assert.equal(o.perAdultAmount, 1004.28);
    assert.deepEqual(o.passengerPrices, [
      { type: 'adult', count: 1, totalAmount: 1004.28, baseAmount: 700, taxAmount: 304.28 },
      { type: 'child', count: 1, totalAmount: 830.28, baseAmount: 500, taxAmount: 330.28 },
    ]);
    assert.equal(o.validatingCarrier, 'BA');
    assert.deepEqual(o.carriers, ['BA']);
    assert.equal(o.cabin, 'business');
    assert.equal(o.refundable, true);
    assert.equal(o.seatsRemaining, 4);
    assert.deepEqual(o.legs[0], {
      stops: 0,
      durationMinutes: 520,
      segments: [
        {
          carrier: 'BA',
          flightNumber: '297',
          operatingCarrier: 'BA',
          origin: 'LHR',
          destination: 'ORD',
          departAt: '2025-09-12T10:15:00',
          arriveAt: '2025-09-12T12:55:00',
          bookingClass: 'J',
          fareBasis: 'JNC0S7',
          cabin: 'business',
        },
      ],
    });
    assert.equal(o.legs[1]!.segments[0]!.arriveAt, '2025-09-20T10:20:00');
  });

  it('reads an itinerary whose single children are objects, base from EquivFare', () => {
    const o = records[0]!.offers[1]!;
    assert.equal(o.totalAmount, 1500.1);
    assert.equal(o.baseAmount, 880.1);
    assert.equal(o.taxAmount, 620);
    assert.deepEqual(o.passengerPrices, [
      { type: 'adult', count: 1, totalAmount: 800.05, baseAmount: 480.05, taxAmount: 320 },
      { type: 'child', count: 1, totalAmount: 700.05, baseAmount: 400.05, taxAmount: 300 },
    ]);
    assert.equal(o.validatingCarrier, 'AA');
    assert.equal(o.cabin, 'economy');
    assert.equal(o.refundable, false);
    assert.deepEqual(
      o.legs.map((l) =>
        l.segments.map(
          (s) => `${s.carrier}${s.flightNumber} ${s.origin}-${s.destination} ${s.departAt}`,
        ),
      ),
      [['AA47 LHR-ORD 2025-09-12T12:20:00'], ['AA46 ORD-LHR 2025-09-19T17:55:00']],
    );
  });

  it('rejects the itinerary without a marketing airline by its index', () => {
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.index, 2);
    assert.match(
      rejected[0]!.reason,
      /PricedItinerary\[2\]\.AirItinerary\.OriginDestinationOptions\.OriginDestinationOption\[0\]\.FlightSegment\[0\]\.MarketingAirline: expected an object/,
    );
  });
});

describe('SabreAdapter, groupedItineraryResponse (BFM v5/v6)', () => {
  const { records, rejected } = adapter.parse(
    fixture('sabre', 'bfm-v6-grouped-oneway.json'),
    context(),
  );

  it('reads the search from the group description', () => {
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.equal(r.id, '5120447611238009147');
    assert.equal(r.origin, 'NYC');
    assert.equal(r.destination, 'LON');
    assert.equal(r.departureDate, '2025-10-30');
    assert.equal(r.returnDate, undefined);
    assert.equal(r.tripType, 'oneway');
    assert.deepEqual(r.passengers, { adults: 2, children: 0, infants: 1 });
  });

  it('rebuilds dates from the leg date and the adjustments', () => {
    const [direct, connecting] = records[0]!.offers;
    assert.deepEqual(
      direct!.legs[0]!.segments.map((s) => [s.departAt, s.arriveAt]),
      [['2025-10-30T21:30:00', '2025-10-31T09:30:00']],
    );
    assert.deepEqual(
      connecting!.legs[0]!.segments.map((s) => [
        s.carrier,
        s.flightNumber,
        s.operatingCarrier,
        s.origin,
        s.destination,
        s.departAt,
        s.arriveAt,
      ]),
      [
        ['B6', '1017', 'B6', 'JFK', 'BOS', '2025-10-30T23:15:00', '2025-10-31T00:40:00'],
        ['AA', '108', 'BA', 'BOS', 'LHR', '2025-10-31T18:05:00', '2025-11-01T05:40:00'],
      ],
    );
    assert.equal(connecting!.legs[0]!.stops, 1);
    assert.equal(connecting!.legs[0]!.durationMinutes, 1465);
  });

  it('reads prices per passenger type and fare details per segment', () => {
    const [direct, connecting] = records[0]!.offers;
    assert.equal(direct!.currency, 'USD');
    assert.equal(direct!.totalAmount, 6539.35);
    assert.equal(direct!.baseAmount, 5985);
    assert.equal(direct!.taxAmount, 554.35);
    assert.equal(direct!.perAdultAmount, 3104.6);
    assert.deepEqual(direct!.passengerPrices, [
      { type: 'adult', count: 2, totalAmount: 6209.2, baseAmount: 5700, taxAmount: 509.2 },
      { type: 'infant', count: 1, totalAmount: 330.15, baseAmount: 285, taxAmount: 45.15 },
    ]);
    assert.equal(direct!.cabin, 'first');
    assert.equal(direct!.legs[0]!.segments[0]!.fareBasis, 'ZLN0S8');
    assert.equal(direct!.legs[0]!.segments[0]!.bookingClass, 'Z');
    assert.equal(direct!.refundable, true);
    assert.equal(direct!.seatsRemaining, 3);
    assert.equal(connecting!.validatingCarrier, 'AA');
    assert.deepEqual(connecting!.carriers, ['B6', 'AA']);
    assert.equal(connecting!.cabin, 'economy');
    assert.equal(connecting!.seatsRemaining, 5);
    assert.equal(connecting!.refundable, false);
  });

  it('rejects the itinerary with an unknown leg reference', () => {
    assert.deepEqual(rejected, [
      { index: 2, reason: 'itineraryGroups[0].itineraries[2].legs[0].ref: unknown reference 9' },
    ]);
  });
});

describe('SabreAdapter, other payloads', () => {
  it('rejects a payload of neither shape', () => {
    const r = adapter.parse('{"hello":"world"}', context());
    assert.equal(r.records.length, 0);
    assert.match(r.rejected[0]!.reason, /neither a groupedItineraryResponse/);
  });
});

describe('SabreAdapter over the shared examples', () => {
  const ex = sharedExamples('sabre');
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
      assert.equal(r.records.length, 1);
      const rec = r.records[0]!;
      assert.ok(rec.offers.length >= 10, `${rec.offers.length} offers`);
      if (rec.origin === 'DFW') {
        assert.equal(rec.destination, 'SFO');
        assert.equal(rec.tripType, 'roundtrip');
      } else {
        assert.deepEqual(
          [rec.origin, rec.destination, rec.departureDate],
          ['DEL', 'MAA', '2025-03-20'],
        );
      }
      for (const o of rec.offers) assert.equal(o.currency, 'USD');
    });
  }
});
