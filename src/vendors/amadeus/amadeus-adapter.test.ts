import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertContract,
  context,
  fixture,
  RECEIVED_AT,
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
      const r = adapter.parse(b, context());
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
