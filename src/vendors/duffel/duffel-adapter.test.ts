import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertContract,
  context,
  contextAt,
  fixture,
  receivedAtFor,
  sharedExamples,
  shortlyAfter,
} from '../testing/vendor-test-kit.js';
import { DuffelAdapter } from './duffel-adapter.js';

const adapter = new DuffelAdapter();
const body = fixture('duffel', 'offer-request-roundtrip.json');

describe('DuffelAdapter', () => {
  it('reads an offer request: search, context and offer field by field', () => {
    const { records, rejected } = adapter.parse(
      body,
      context({ 'x-shopped-at': '2020-01-01T00:00:00Z' }),
    );
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.equal(r.id, 'orq_0000TestFaresight01');
    assert.equal(r.shoppedAt, '2020-01-01T00:00:00.000Z', 'X-Shopped-At wins over the payload');
    assert.equal(r.origin, 'CDG');
    assert.equal(r.destination, 'YUL');
    assert.equal(r.departureDate, '2025-07-04');
    assert.equal(r.returnDate, '2025-07-18');
    assert.equal(r.tripType, 'roundtrip');
    assert.deepEqual(r.passengers, { adults: 1, children: 1, infants: 1 });
    const o = r.offers[0]!;
    assert.equal(o.currency, 'EUR');
    assert.equal(o.totalAmount, 5012.6);
    assert.equal(o.baseAmount, 3900);
    assert.equal(o.taxAmount, 1112.6);
    assert.equal(
      o.perAdultAmount,
      undefined,
      'Duffel gives no per-adult fare for several passengers',
    );
    assert.equal(o.validatingCarrier, 'AF');
    assert.deepEqual(o.carriers, ['AF', 'AC']);
    assert.equal(o.cabin, 'business');
    assert.equal(o.refundable, false);
    assert.deepEqual(o.legs[0], {
      stops: 0,
      durationMinutes: 460,
      segments: [
        {
          carrier: 'AF',
          flightNumber: '346',
          operatingCarrier: 'AF',
          origin: 'CDG',
          destination: 'YUL',
          departAt: '2025-07-04T13:25:00',
          arriveAt: '2025-07-04T15:05:00',
          fareBasis: 'ZNCFR',
          cabin: 'business',
        },
      ],
    });
    assert.equal(o.legs[1]!.segments[0]!.flightNumber, '871');
    assert.equal(o.legs[1]!.segments[0]!.arriveAt, '2025-07-19T10:05:00');
    assert.deepEqual(rejected, [
      { index: 1, reason: 'data.offers[1].total_currency: "EURO" is not an ISO 4217 currency' },
    ]);
  });

  it('reads an offers list, taking passengers from the first offer', () => {
    const doc = JSON.parse(body.toString());
    const list = JSON.stringify({ data: [doc.data.offers[0]], meta: { limit: 50 } });
    const { records, rejected } = adapter.parse(
      list,
      context({ 'x-transaction-id': 'duffel-list-1' }),
    );
    assert.deepEqual(rejected, []);
    const r = records[0]!;
    assert.equal(r.id, 'duffel-list-1');
    assert.equal(r.shoppedAt, '2025-04-30T09:12:45.001Z', "the offer's created_at");
    assert.deepEqual(
      [r.origin, r.destination, r.tripType, r.returnDate],
      ['CDG', 'YUL', 'roundtrip', '2025-07-18'],
    );
    assert.deepEqual(r.passengers, { adults: 1, children: 1, infants: 1 });
  });
});

describe('DuffelAdapter, one offer (GET /air/offers/:id) and empty searches', () => {
  it('reads a single offer: passengers by type or age, a zero-decimal currency, stops', () => {
    const { records, rejected } = adapter.parse(
      fixture('duffel', 'offer-single-oneway.json'),
      // Received just after the offer's created_at (2025-06-02T01:15:09.112Z).
      contextAt(shortlyAfter('2025-06-02T01:15:09.112Z'), {
        'x-transaction-id': 'duffel-offer-1',
        'x-point-of-sale': 'jp',
      }),
    );
    assert.deepEqual(rejected, []);
    const r = records[0]!;
    assert.deepEqual(
      [r.id, r.pos, r.origin, r.destination, r.departureDate, r.returnDate, r.tripType],
      ['duffel-offer-1', 'JP', 'HND', 'SFO', '2025-07-21', undefined, 'oneway'],
    );
    assert.equal(r.shoppedAt, '2025-06-02T01:15:09.112Z', "the offer's created_at");
    assert.deepEqual(r.passengers, { adults: 1, children: 1, infants: 1 });
    const o = r.offers[0]!;
    assert.deepEqual(
      [o.currency, o.totalAmount, o.baseAmount, o.taxAmount, o.perAdultAmount, o.refundable],
      ['JPY', 45230, 39800, 5430, undefined, undefined],
    );
    assert.deepEqual([o.validatingCarrier, o.carriers, o.cabin], ['NH', ['NH'], 'premium']);
    assert.deepEqual([o.legs[0]!.stops, o.legs[0]!.durationMinutes], [2, 785]);
    assert.deepEqual(o.legs[0]!.segments, [
      {
        carrier: 'NH',
        flightNumber: '186',
        operatingCarrier: 'NH',
        origin: 'HND',
        destination: 'HNL',
        departAt: '2025-07-21T21:55:00',
        arriveAt: '2025-07-21T09:35:00',
        fareBasis: 'EPX7JP',
        cabin: 'premium',
      },
      {
        carrier: 'NH',
        flightNumber: '7016',
        operatingCarrier: 'UA',
        origin: 'HNL',
        destination: 'SFO',
        departAt: '2025-07-21T11:20:00',
        arriveAt: '2025-07-21T19:40:00',
        fareBasis: 'EPX7JP',
        cabin: 'premium',
      },
    ]);
  });

  it('rejects an offer request without offers, and searches that found none, saying why', () => {
    const doc = JSON.parse(body.toString());
    const reasons = [
      { data: { ...doc.data, offers: undefined } },
      { data: { ...doc.data, offers: [] } },
      { data: [], meta: { limit: 50, after: null } },
    ].map((d) => adapter.parse(JSON.stringify(d), context()).rejected);
    assert.deepEqual(reasons, [
      [
        {
          index: -1,
          reason:
            'data.offers: missing: an offer request created with return_offers=false carries no offers (post the GET /air/offers list instead)',
        },
      ],
      [{ index: -1, reason: 'data.offers: no offers (the search found none)' }],
      [{ index: -1, reason: 'data: no offers (the list is empty)' }],
    ]);
  });
});

describe('DuffelAdapter over the shared examples', () => {
  const ex = sharedExamples('duffel');
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
      const rec = r.records[0]!;
      assert.deepEqual([rec.origin, rec.destination], ['LHR', 'JFK']);
      assert.equal(rec.offers[0]!.totalAmount, 45);
      assert.equal(rec.offers[0]!.currency, 'GBP');
      assert.equal(rec.offers[0]!.legs[0]!.segments[0]!.carrier, 'BA');
    });
  }
});
