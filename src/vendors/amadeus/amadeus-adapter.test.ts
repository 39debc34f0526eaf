import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertContract,
  context,
  contextAt,
  fixture,
  RECEIVED_AT,
  receivedAtFor,
  sharedExamples,
} from '../testing/vendor-test-kit.js';
import { AmadeusAdapter } from './amadeus-adapter.js';

const adapter = new AmadeusAdapter();
const body = fixture('amadeus', 'flight-offers-roundtrip.json');

describe('AmadeusAdapter', () => {
  it('reads the search from meta.links.self and the offer field by field', () => {
    const { records, rejected } = adapter.parse(body, context());
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.equal(r.vendor, 'amadeus');
    assert.equal(r.origin, 'MAD');
    assert.equal(r.destination, 'JFK');
    assert.equal(r.departureDate, '2025-06-10');
    assert.equal(r.returnDate, '2025-06-24');
    assert.equal(r.tripType, 'roundtrip');
    assert.deepEqual(r.passengers, { adults: 2, children: 1, infants: 1 });
    assert.equal(r.receivedAt, RECEIVED_AT.toISOString());
    assert.equal(r.shoppedAt, RECEIVED_AT.toISOString());
    assert.match(r.id, /^amadeus-[0-9a-f]{16}-0$/);
    assert.equal(r.offers.length, 1);
    const o = r.offers[0]!;
    assert.equal(o.currency, 'EUR');
    assert.equal(o.totalAmount, 2413.47);
    assert.equal(o.baseAmount, 1890);
    assert.equal(o.taxAmount, 523.47);
    assert.equal(o.perAdultAmount, 849.15);
    assert.equal(o.validatingCarrier, 'IB');
    assert.deepEqual(o.carriers, ['IB', 'BA']);
    assert.equal(o.cabin, 'premium');
    assert.equal(o.seatsRemaining, 4);
    assert.deepEqual(o.passengerPrices, [
      { type: 'adult', count: 2, totalAmount: 1698.3, baseAmount: 1330, taxAmount: 368.3 },
      { type: 'child', count: 1, totalAmount: 637.37, baseAmount: 498, taxAmount: 139.37 },
      { type: 'infant', count: 1, totalAmount: 77.8, baseAmount: 62, taxAmount: 15.8 },
    ]);
    assert.equal(o.legs.length, 2);
    assert.deepEqual(o.legs[0], {
      stops: 0,
      durationMinutes: 510,
      segments: [
        {
          carrier: 'IB',
          flightNumber: '6251',
          operatingCarrier: 'IB',
          origin: 'MAD',
          destination: 'JFK',
          departAt: '2025-06-10T12:05:00',
          arriveAt: '2025-06-10T14:35:00',
          bookingClass: 'W',
          fareBasis: 'WNN7O2ES',
          cabin: 'premium',
        },
      ],
    });
    const back = o.legs[1]!;
    assert.equal(back.stops, 1);
    assert.equal(back.durationMinutes, 685);
    assert.deepEqual(
      back.segments.map((s) => [
        s.carrier,
        s.flightNumber,
        s.operatingCarrier,
        s.origin,
        s.destination,
        s.departAt,
        s.arriveAt,
      ]),
      [
        ['BA', '178', 'BA', 'JFK', 'LHR', '2025-06-24T19:30:00', '2025-06-25T07:35:00'],
        ['IB', '3167', 'BA', 'LHR', 'MAD', '2025-06-25T09:30:00', '2025-06-25T12:55:00'],
      ],
    );
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.index, 1);
    assert.match(
      rejected[0]!.reason,
      /data\[1\]\.price\.grandTotal: "1204\.345" has more decimals than EUR/,
    );
  });

  it('takes point of sale, shopping time and id from headers', () => {
    const { records } = adapter.parse(
      body,
      context({
        'x-point-of-sale': 'es',
        'x-shopped-at': '2025-05-01T13:59:30+02:00',
        'x-transaction-id': 'tx-42',
      }),
    );
    assert.equal(records[0]!.pos, 'ES');
    assert.equal(records[0]!.shoppedAt, '2025-05-01T11:59:30.000Z');
    assert.equal(records[0]!.id, 'tx-42');
  });

  it('gives the same id to the same payload twice, so a re-post dedupes', () => {
    const a = adapter.parse(body, context()).records[0]!.id;
    const b = adapter.parse(Buffer.from(body), context()).records[0]!.id;
    assert.equal(a, b);
  });

  it('rejects a bad x-shopped-at header naming it', () => {
    const r = adapter.parse(body, context({ 'x-shopped-at': 'yesterday' }));
    assert.equal(r.records.length, 0);
    assert.match(r.rejected.at(-1)!.reason, /header x-shopped-at: "yesterday"/);
  });

  it('rejects an Amadeus error response with its title', () => {
    const r = adapter.parse(
      '{"errors":[{"status":400,"code":477,"title":"INVALID FORMAT"}]}',
      context(),
    );
    assert.deepEqual(r, {
      records: [],
      rejected: [{ index: -1, reason: 'errors: Amadeus error response: INVALID FORMAT' }],
    });
  });

  it('derives the search from the first offer when there is no self link', () => {
    const doc = JSON.parse(body.toString());
    delete doc.meta;
    const r = adapter.parse(JSON.stringify(doc), context()).records[0]!;
    assert.equal(r.origin, 'MAD');
    assert.equal(r.destination, 'JFK');
    assert.equal(r.tripType, 'roundtrip');
    assert.equal(r.returnDate, '2025-06-24');
    assert.deepEqual(r.passengers, { adults: 2, children: 1, infants: 1 });
  });
});

describe('AmadeusAdapter, a one-way POST response with every traveler type, fees and warnings', () => {
  const { records, rejected } = adapter.parse(
    fixture('amadeus', 'flight-offers-oneway-traveler-types.json'),
    context(),
  );

  it('derives the search and passengers from the first offer when there is no self link', () => {
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.deepEqual(
      [r.origin, r.destination, r.departureDate, r.returnDate, r.tripType],
      ['EWR', 'HNL', '2025-09-03', undefined, 'oneway'],
    );
    assert.deepEqual(r.passengers, { adults: 3, children: 1, infants: 2 });
  });

  it('keeps grandTotal as the total, tax without fees, and the ADULT price per adult', () => {
    const o = records[0]!.offers[0]!;
    assert.deepEqual(
      [o.currency, o.totalAmount, o.baseAmount, o.taxAmount, o.perAdultAmount],
      ['USD', 2023.78, 1724, 292.28, 455.8],
    );
    assert.deepEqual(o.passengerPrices, [
      { type: 'adult', count: 3, totalAmount: 1286, baseAmount: 1100, taxAmount: 186 },
      { type: 'child', count: 1, totalAmount: 342.35, baseAmount: 292.5, taxAmount: 49.85 },
      { type: 'infant', count: 2, totalAmount: 387.93, baseAmount: 331.5, taxAmount: 56.43 },
    ]);
    assert.deepEqual([o.validatingCarrier, o.cabin, o.seatsRemaining], ['UA', 'economy', 7]);
  });

  it('counts technical stops and leaves out an operating carrier given only by name', () => {
    const leg = records[0]!.offers[0]!.legs[0]!;
    assert.deepEqual([leg.stops, leg.durationMinutes], [2, 845]);
    assert.deepEqual(leg.segments[1], {
      carrier: 'UA',
      flightNumber: '1175',
      origin: 'LAX',
      destination: 'HNL',
      departAt: '2025-09-03T11:15:00',
      arriveAt: '2025-09-03T14:05:00',
      bookingClass: 'K',
      fareBasis: 'KAA7AFEN',
      cabin: 'economy',
    });
  });

  it('rejects the offer with an unknown traveler type, naming it', () => {
    assert.deepEqual(rejected, [
      {
        index: 1,
        reason: 'data[1].travelerPricings[0].travelerType: unknown traveler type "CHAPERONE"',
      },
    ]);
  });

  it('rejects a search that found nothing with its warnings', () => {
    const r = adapter.parse(
      JSON.stringify({
        meta: { count: 0 },
        data: [],
        warnings: [{ status: 200, code: 4926, title: 'NO FARE FOUND FOR REQUESTED ITINERARY' }],
      }),
      context(),
    );
    assert.deepEqual(r, {
      records: [],
      rejected: [
        {
          index: -1,
          reason:
            'data: no flight offers (the search found none); warnings: NO FARE FOUND FOR REQUESTED ITINERARY',
        },
      ],
    });
  });
});

describe('AmadeusAdapter over the shared examples', () => {
  const ex = sharedExamples('amadeus');
  if ('skip' in ex) {
    it('runs over shared examples', (t) => {
      console.log(`skipped: ${ex.skip}`);
      t.skip(ex.skip);
    });
    return;
  }
  for (const { name, body: b } of ex.files) {
    it(`reads ${name}`, () => {
      // Received when a payload of its age would have been, not on RECEIVED_AT.
      const r = adapter.parse(b, contextAt(receivedAtFor(adapter, b)));
      assert.equal(assertContract(r), undefined);
      assert.deepEqual(r.rejected, []);
      assert.equal(r.records.length, 1);
      const rec = r.records[0]!;
      assert.ok(['SYD', 'EWR'].includes(rec.origin), rec.origin);
      assert.ok(['BKK', 'MAD'].includes(rec.destination), rec.destination);
      for (const o of rec.offers) assert.ok(o.totalAmount > 0 && /^[A-Z]{3}$/.test(o.currency));
    });
  }
});
