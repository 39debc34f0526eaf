/**
 * The findings of issue 16, each as a payload the project writes itself: date-range
 * searches, multi-route requests, the payload's own shop time, amounts that do not add
 * up, and the formats that were not read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAdapters } from './adapters.js';
import {
  GENERATED_SHOPPED_AT,
  type GenFlight,
  type GenSearch,
  toDuffel,
  toKiwi,
  toSabreOta,
  toTravelport,
} from './testing/generated-payloads.js';
import {
  assertContract,
  context,
  contextAt,
  fixture,
  shortlyAfter,
} from './testing/vendor-test-kit.js';

const adapters = createAdapters();
/** When the generated payloads (flights in 2026, shopped GENERATED_SHOPPED_AT) arrive. */
const RECEIVED = shortlyAfter(GENERATED_SHOPPED_AT);
const received = (headers: Record<string, string> = {}) => contextAt(RECEIVED, headers);

function flight(origin: string, destination: string, day: string, n = 1): GenFlight {
  return {
    carrier: 'IB',
    flightNumber: String(n),
    origin,
    destination,
    departAt: `${day}T09:00:00`,
    arriveAt: `${day}T13:00:00`,
  };
}

describe('a date-range search gives one record per date its offers fly on', () => {
  const days = ['2026-03-01', '2026-03-02', '2026-03-04'];
  const search: GenSearch = {
    id: 'range1',
    tripType: 'oneway',
    routes: [{ origin: 'MAD', destination: 'LHR' }],
    offers: [0, 1, 2, 0, 2, 2].map((d, i) => ({
      cents: 10_000 + i,
      legs: [[flight('MAD', 'LHR', days[d]!, i + 1)]],
    })),
  };

  it('Kiwi: offers on three dates are three records, none under a date it does not fly', () => {
    const { records, rejected } = adapters.kiwi.parse(toKiwi(search), received());
    assert.deepEqual(rejected, []);
    assert.deepEqual(
      records.map((r) => [r.id, r.departureDate, r.offers.length]),
      [
        ['range1~2026-03-01', '2026-03-01', 2],
        ['range1~2026-03-02', '2026-03-02', 1],
        ['range1~2026-03-04', '2026-03-04', 3],
      ],
    );
  });

  it('a search on one date keeps the plain id, so a retry still dedupes', () => {
    const one = { ...search, offers: search.offers.filter((_, i) => i === 0 || i === 3) };
    const { records } = adapters.kiwi.parse(toKiwi(one), received());
    assert.deepEqual(
      records.map((r) => r.id),
      ['range1'],
    );
  });
});

describe('the trip type follows every route of the request', () => {
  const roundTrip: GenSearch = {
    id: 'TP2ROUTES',
    tripType: 'roundtrip',
    routes: [
      { origin: 'IEV', destination: 'PAR' },
      { origin: 'PAR', destination: 'IEV' },
    ],
    offers: [
      {
        cents: 30_000,
        legs: [[flight('IEV', 'CDG', '2026-05-02')], [flight('ORY', 'IEV', '2026-05-09', 2)]],
      },
    ],
  };

  it('Travelport: a RouteList of two Routes is a round trip with its return date', () => {
    const { records, rejected } = adapters.travelport.parse(toTravelport(roundTrip), received());
    assert.deepEqual(rejected, []);
    const r = records[0]!;
    assert.deepEqual(
      [
        r.tripType,
        r.origin,
        r.destination,
        r.departureDate,
        r.returnDate,
        r.offers[0]!.legs.length,
      ],
      ['roundtrip', 'IEV', 'PAR', '2026-05-02', '2026-05-09', 2],
    );
  });

  it('an open jaw (back from another city) is multi-city and keeps both legs', () => {
    const openJaw: GenSearch = {
      ...roundTrip,
      tripType: 'multicity',
      routes: [
        { origin: 'IEV', destination: 'PAR' },
        { origin: 'MIL', destination: 'IEV' },
      ],
      offers: [
        {
          cents: 30_000,
          legs: [[flight('IEV', 'CDG', '2026-05-02')], [flight('MXP', 'IEV', '2026-05-09', 2)]],
        },
      ],
    };
    for (const [vendor, body] of [
      ['travelport', toTravelport(openJaw)],
      ['duffel', toDuffel(openJaw)],
      ['sabre', toSabreOta(openJaw)],
    ] as const) {
      const { records, rejected } = adapters[vendor].parse(body, received());
      assert.deepEqual(rejected, [], vendor);
      const r = records[0]!;
      assert.deepEqual(
        [r.tripType, r.returnDate, r.offers[0]!.legs.length],
        ['multicity', undefined, 2],
        vendor,
      );
    }
  });
});

describe("the payload's own shop time, unless X-Shopped-At is sent", () => {
  const search: GenSearch = {
    id: 'shop1',
    tripType: 'oneway',
    routes: [{ origin: 'MAD', destination: 'LHR' }],
    offers: [{ cents: 10_000, legs: [[flight('MAD', 'LHR', '2026-03-01')]] }],
  };
  const header = { 'x-shopped-at': '2025-11-30T08:00:00+02:00' };

  it('Duffel created_at and the Sabre OTA TimeStamp are the shop time', () => {
    for (const [vendor, body] of [
      ['duffel', toDuffel(search)],
      ['sabre', toSabreOta(search)],
    ] as const) {
      const [r] = adapters[vendor].parse(body, received()).records;
      assert.equal(r!.shoppedAt, '2025-12-01T10:00:00.000Z', vendor);
      assert.equal(r!.receivedAt, RECEIVED.toISOString());
      const [h] = adapters[vendor].parse(body, received(header)).records;
      assert.equal(h!.shoppedAt, '2025-11-30T06:00:00.000Z', `${vendor}: the header wins`);
    }
  });

  it('a Duffel offer list takes its earliest created_at', () => {
    const doc = JSON.parse(fixture('duffel', 'offer-request-roundtrip.json').toString());
    const [a, b] = doc.data.offers;
    a.created_at = '2025-04-30T09:13:00Z';
    b.created_at = '2025-04-30T09:12:00Z';
    const [r] = adapters.duffel.parse(JSON.stringify({ data: [a, b] }), context()).records;
    assert.equal(r!.shoppedAt, '2025-04-30T09:12:00.000Z');
  });
});

describe('amounts that do not add up are kept and flagged', () => {
  it('Duffel: base plus taxes other than the total flags that offer only', () => {
    const doc = JSON.parse(fixture('duffel', 'offer-request-roundtrip.json').toString());
    const [good] = doc.data.offers;
    doc.data.offers = [good, { ...good, id: 'off_bad', tax_amount: '10.00' }];
    const result = adapters.duffel.parse(JSON.stringify(doc), context());
    assert.equal(assertContract(result), undefined);
    const offers = result.records.flatMap((r) => r.offers);
    const bad = offers.filter((o) => o.amountsInconsistent === true);
    assert.equal(bad.length, 1);
    assert.equal(bad[0]!.taxAmount, 10, 'the vendor amounts are kept as sent');
    assert.notEqual(bad[0]!.totalAmount, bad[0]!.baseAmount! + 10);
    const consistent = offers.find((o) => o !== bad[0])!;
    assert.equal(consistent.amountsInconsistent, undefined);
    assert.equal(consistent.totalAmount, 5012.6);
  });

  it('generic records are flagged the same way', () => {
    const rec = JSON.parse(fixture('generic', 'record.json').toString());
    const one = Array.isArray(rec) ? rec[0] : rec;
    const o = one.offers[0];
    o.baseAmount = o.totalAmount;
    o.taxAmount = 1;
    const [r] = adapters.generic.parse(JSON.stringify(one), context()).records;
    assert.equal(r!.offers[0]!.amountsInconsistent, true);
  });
});

describe('formats that were not read', () => {
  it('Sabre OneWayItineraries: each leg of a multi-ticket answer is a one-way search', () => {
    const out = JSON.parse(
      toSabreOta({
        id: 'x',
        tripType: 'oneway',
        routes: [{ origin: 'MAD', destination: 'LHR' }],
        offers: [{ cents: 10_000, legs: [[flight('MAD', 'LHR', '2026-03-01')]] }],
      }),
    );
    const back = JSON.parse(
      toSabreOta({
        id: 'x',
        tripType: 'oneway',
        routes: [{ origin: 'LHR', destination: 'MAD' }],
        offers: [{ cents: 9_000, legs: [[flight('LHR', 'MAD', '2026-03-01', 2)]] }],
      }),
    );
    const rs = {
      OTA_AirLowFareSearchRS: {
        TimeStamp: GENERATED_SHOPPED_AT,
        OneWayItineraries: {
          SimpleOneWayItineraries: [
            {
              RPH: 1,
              PricedItinerary: out.OTA_AirLowFareSearchRS.PricedItineraries.PricedItinerary,
            },
            {
              RPH: 2,
              PricedItinerary: back.OTA_AirLowFareSearchRS.PricedItineraries.PricedItinerary,
            },
          ],
        },
      },
    };
    const { records, rejected } = adapters.sabre.parse(JSON.stringify(rs), received());
    assert.deepEqual(rejected, []);
    assert.deepEqual(
      records.map((r) => [r.tripType, r.origin, r.destination, r.departureDate, r.offers.length]),
      [
        ['oneway', 'MAD', 'LHR', '2026-03-01', 1],
        ['oneway', 'LHR', 'MAD', '2026-03-01', 1],
      ],
      'same date, other route: two records',
    );
    assert.equal(new Set(records.map((r) => r.id)).size, 2);
  });

  it('Kiwi multi-city fixture: a record per first date, every leg kept field by field', () => {
    const body = fixture('kiwi', 'multi-city-three-legs.json');
    const { records, rejected } = adapters.kiwi.parse(body, contextAt('2026-03-01T00:00:00Z'));
    assert.deepEqual(rejected, []);
    assert.deepEqual(
      records.map((r) => [r.tripType, r.origin, r.destination, r.departureDate, r.returnDate]),
      [
        ['multicity', 'MAD', 'PRG', '2026-04-10', undefined],
        ['multicity', 'MAD', 'PRG', '2026-04-11', undefined],
      ],
    );
    assert.match(records[0]!.id, /^kiwi-[0-9a-f]{16}-0~2026-04-10$/);
    const o = records[0]!.offers[0]!;
    assert.deepEqual(
      [o.totalAmount, o.currency, o.validatingCarrier, o.carriers],
      [287.41, 'EUR', 'IB', ['IB', 'OS', 'LH']],
    );
    assert.deepEqual(
      o.legs.map((l) => [
        l.stops,
        l.durationMinutes,
        l.segments.map(
          (g) => `${g.carrier}${g.flightNumber} ${g.origin}-${g.destination} ${g.departAt}`,
        ),
      ]),
      [
        [0, 180, ['IB3160 MAD-PRG 2026-04-10T07:05:00']],
        [0, 55, ['OS704 PRG-VIE 2026-04-14T18:20:00']],
        [1, 335, ['LH1239 VIE-FRA 2026-04-18T06:10:00', 'LH1112 FRA-MAD 2026-04-18T09:05:00']],
      ],
    );
  });

  it('Sabre OneWayItineraries fixture: a record per leg and date, shopped at the TimeStamp', () => {
    const body = fixture('sabre', 'bfm-v4-ota-one-way-itineraries.json');
    const { records, rejected } = adapters.sabre.parse(body, contextAt('2025-08-01T15:00:00Z'));
    assert.deepEqual(rejected, []);
    assert.deepEqual(
      records.map((r) => [
        r.id,
        r.tripType,
        r.origin,
        r.destination,
        r.departureDate,
        r.shoppedAt,
        r.offers.map((o) => [o.totalAmount, o.baseAmount, o.taxAmount, o.currency]),
      ]),
      [
        [
          '7702215520114538777~2025-09-12',
          'oneway',
          'LHR',
          'ORD',
          '2025-09-12',
          '2025-08-01T14:30:12.512Z',
          [[430.45, 310, 120.45, 'GBP']],
        ],
        [
          '7702215520114538777~2025-09-13',
          'oneway',
          'LHR',
          'ORD',
          '2025-09-13',
          '2025-08-01T14:30:12.512Z',
          [[398.2, 280, 118.2, 'GBP']],
        ],
        [
          '7702215520114538777~2025-09-19',
          'oneway',
          'ORD',
          'LHR',
          '2025-09-19',
          '2025-08-01T14:30:12.512Z',
          [[383.6, 295.5, 88.1, 'GBP']],
        ],
      ],
    );
    const seg = records[2]!.offers[0]!.legs[0]!.segments[0]!;
    assert.deepEqual(
      [seg.flightNumber, seg.departAt, seg.arriveAt, seg.bookingClass, seg.fareBasis],
      ['296', '2025-09-19T20:40:00', '2025-09-20T10:20:00', 'O', 'OLOWUS'],
    );
  });

  it('Amadeus Flight Offers Price fixture: the priced offer reads as the same offer searched', () => {
    const search = adapters.amadeus.parse(
      fixture('amadeus', 'flight-offers-roundtrip.json'),
      context(),
    );
    const price = adapters.amadeus.parse(
      fixture('amadeus', 'flight-offers-price-roundtrip.json'),
      context(),
    );
    assert.deepEqual(price.rejected, []);
    const [r] = price.records;
    assert.deepEqual(
      [r!.tripType, r!.origin, r!.destination, r!.departureDate, r!.returnDate, r!.passengers],
      [
        'roundtrip',
        'MAD',
        'JFK',
        '2025-06-10',
        '2025-06-24',
        { adults: 2, children: 1, infants: 1 },
      ],
    );
    assert.deepEqual(r!.offers, [search.records[0]!.offers[0]]);
  });

  it('Amadeus Flight Cheapest Date Search is refused by name: it lists no flights', () => {
    const body = JSON.stringify({
      data: [
        {
          type: 'flight-date',
          origin: 'MAD',
          destination: 'MUC',
          departureDate: '2026-08-01',
          returnDate: '2026-08-05',
          price: { total: '97.20' },
        },
      ],
      meta: { currency: 'EUR' },
    });
    const { records, rejected } = adapters.amadeus.parse(body, context());
    assert.equal(records.length, 0);
    assert.match(
      rejected[0]!.reason,
      /^data\[0\]\.type: "flight-date": a Flight Cheapest Date Search/,
    );
  });

  it('Kiwi multi-city without a currency names the field', () => {
    const body = JSON.stringify([{ price: 10, conversion: { GBP: 9, USD: 11 }, route: [] }]);
    const { rejected } = adapters.kiwi.parse(body, context());
    assert.match(rejected[0]!.reason, /^\[0\]\.currency: missing/);
  });
});
