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

describe('SabreAdapter, OTA_AirLowFareSearchRS v3 with single children and text values', () => {
  const { records, rejected } = adapter.parse(
    fixture('sabre', 'bfm-v3-ota-oneway-single-children.json'),
    context(),
  );

  it('reads one itinerary given as an object, field by field', () => {
    assert.deepEqual(rejected, []);
    const r = records[0]!;
    assert.equal(r.id, '3310998877');
    assert.deepEqual(
      [r.origin, r.destination, r.departureDate, r.returnDate, r.tripType],
      ['JNB', 'CPT', '2025-08-20', undefined, 'oneway'],
    );
    assert.deepEqual(r.passengers, { adults: 2, children: 0, infants: 0 });
    const o = r.offers[0]!;
    assert.deepEqual(o.legs, [
      {
        stops: 0,
        durationMinutes: 125,
        segments: [
          {
            carrier: 'SA',
            flightNumber: '331',
            operatingCarrier: 'SA',
            origin: 'JNB',
            destination: 'CPT',
            departAt: '2025-08-20T06:00:00',
            arriveAt: '2025-08-20T08:05:00',
            bookingClass: 'W',
            fareBasis: 'WLOWZA',
            cabin: 'economy',
          },
        ],
      },
    ]);
    assert.equal(o.validatingCarrier, 'SA');
    assert.equal(o.seatsRemaining, 2);
    assert.equal(o.refundable, false, 'NonRefundableIndicator "true" as text');
  });

  it('reads amounts given as text and sums taxes given only one by one', () => {
    const o = records[0]!.offers[0]!;
    assert.deepEqual(
      [o.currency, o.totalAmount, o.baseAmount, o.taxAmount, o.perAdultAmount],
      ['ZAR', 2980.6, 2400, 580.6, 1490.3],
    );
    assert.deepEqual(o.passengerPrices, [
      { type: 'adult', count: 2, totalAmount: 2980.6, baseAmount: 2400, taxAmount: 580.6 },
    ]);
  });
});

describe('SabreAdapter, groupedItineraryResponse v5 across the date line, alternate dates', () => {
  const body = fixture('sabre', 'bfm-v5-grouped-roundtrip-alternate-dates.json');
  const { records, rejected } = adapter.parse(body, context());

  it('gives one record per searched date pair, ids suffixed by the dates', () => {
    assert.deepEqual(
      records.map((r) => [
        r.id,
        r.origin,
        r.destination,
        r.departureDate,
        r.returnDate,
        r.tripType,
      ]),
      [
        [
          '7700123456789~2025-12-01~2025-12-09',
          'SYD',
          'HNL',
          '2025-12-01',
          '2025-12-09',
          'roundtrip',
        ],
        [
          '7700123456789~2025-12-02~2025-12-10',
          'SYD',
          'HNL',
          '2025-12-02',
          '2025-12-10',
          'roundtrip',
        ],
      ],
    );
    for (const r of records) assert.deepEqual(r.passengers, { adults: 2, children: 1, infants: 1 });
  });

  it('applies departureDateAdjustment and a negative arrival dateAdjustment, given as text', () => {
    const [out, back] = records[0]!.offers[0]!.legs;
    assert.deepEqual(
      out!.segments.map((s) => [
        s.carrier,
        s.flightNumber,
        s.origin,
        s.destination,
        s.departAt,
        s.arriveAt,
      ]),
      [
        ['NZ', '104', 'SYD', 'AKL', '2025-12-01T18:00:00', '2025-12-01T23:05:00'],
        ['NZ', '10', 'AKL', 'HNL', '2025-12-02T00:15:00', '2025-12-01T10:05:00'],
      ],
    );
    assert.deepEqual([out!.stops, out!.durationMinutes], [1, 825]);
    assert.deepEqual(
      back!.segments.map((s) => [
        s.carrier,
        s.flightNumber,
        s.operatingCarrier,
        s.departAt,
        s.arriveAt,
      ]),
      [
        ['NZ', '9', 'TN', '2025-12-09T14:10:00', '2025-12-10T21:25:00'],
        ['QF', '144', 'QF', '2025-12-11T09:00:00', '2025-12-11T10:45:00'],
      ],
    );
    assert.equal(back!.stops, 2, 'a connection and a hidden stop');
    assert.equal(records[1]!.offers[0]!.legs[0]!.segments[1]!.arriveAt, '2025-12-02T10:05:00');
  });

  it('reads prices per passenger type, base in the selling currency, fare details per segment', () => {
    const o = records[0]!.offers[0]!;
    assert.deepEqual(
      [o.currency, o.totalAmount, o.baseAmount, o.taxAmount, o.perAdultAmount],
      ['AUD', 3996.76, 3135, 861.76, 1402.37],
    );
    assert.deepEqual(o.passengerPrices, [
      { type: 'adult', count: 2, totalAmount: 2804.74, baseAmount: 2200, taxAmount: 604.74 },
      { type: 'child', count: 1, totalAmount: 1051.78, baseAmount: 825, taxAmount: 226.78 },
      { type: 'infant', count: 1, totalAmount: 140.24, baseAmount: 110, taxAmount: 30.24 },
    ]);
    assert.deepEqual(
      o.legs.flatMap((l) => l.segments.map((s) => [s.bookingClass, s.fareBasis, s.cabin])),
      [
        ['K', 'KLNZ0SA', 'economy'],
        ['K', 'KLNZ0SA', 'economy'],
        ['K', 'KLNZ0SB', 'economy'],
        ['S', 'KLNZ0SB', 'premium'],
      ],
    );
    assert.deepEqual(
      [o.validatingCarrier, o.cabin, o.refundable, o.seatsRemaining],
      ['NZ', 'premium', false, 3],
    );
    const alt = records[1]!.offers[0]!;
    assert.deepEqual(
      [alt.totalAmount, alt.baseAmount, alt.taxAmount, alt.perAdultAmount, alt.refundable],
      [4601, 2400, 601, 1500.5, true],
    );
    assert.deepEqual(
      alt.passengerPrices?.map((p) => [p.type, p.count, p.totalAmount]),
      [
        ['adult', 2, 3001],
        ['child', 1, 1000],
        ['infant', 1, 600],
      ],
    );
  });

  it('counts rejected itineraries across groups', () => {
    assert.deepEqual(rejected, [
      {
        index: 1,
        reason:
          'itineraryGroups[0].itineraries[1].pricingInformation[0].fare.totalFare.totalPrice: "99.999" has more decimals than AUD\'s minor unit (2)',
      },
    ]);
  });

  it('takes the first pricing entry that has a fare', () => {
    const doc = JSON.parse(body.toString());
    doc.groupedItineraryResponse.itineraryGroups[0].itineraries[0].pricingInformation.unshift({
      pricingSubsource: 'NDC',
      offer: { offerId: 'ndc-1' },
    });
    const r = adapter.parse(JSON.stringify(doc), context());
    assert.deepEqual(r.records[0]!.offers[0], records[0]!.offers[0]);
  });

  it('rejects a day adjustment that is not a whole number, naming it', () => {
    const doc = JSON.parse(body.toString());
    doc.groupedItineraryResponse.scheduleDescs[1].arrival.dateAdjustment = 'next';
    const r = adapter.parse(JSON.stringify(doc), context());
    assert.equal(r.rejected[0]!.index, 0);
    assert.equal(
      r.rejected[0]!.reason,
      'scheduleDescs[id=2].arrival.dateAdjustment: "next" is not a whole number of days',
    );
  });
});

describe('SabreAdapter, other payloads', () => {
  it('refuses a Lead Price Calendar by name: a lowest fare per date, no flights', () => {
    const body = JSON.stringify({
      OriginLocation: 'JFK',
      DestinationLocation: 'LAX',
      FareInfo: [
        {
          LowestFare: { AirlineCodes: ['AA'], Fare: 225.2 },
          CurrencyCode: 'USD',
          DepartureDateTime: '2026-03-01T00:00:00',
          ReturnDateTime: '2026-03-08T00:00:00',
        },
      ],
    });
    const r = adapter.parse(body, context());
    assert.equal(r.records.length, 0);
    assert.match(r.rejected[0]!.reason, /^FareInfo: a Lead Price Calendar .*no flights/);
  });

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
      // Received when a payload of its age would have been, not on RECEIVED_AT.
      const r = adapter.parse(body, contextAt(receivedAtFor(adapter, body)));
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
