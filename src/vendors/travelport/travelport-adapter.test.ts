import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertContract, context, fixture, sharedExamples } from '../testing/vendor-test-kit.js';
import { TravelportAdapter } from './travelport-adapter.js';

const adapter = new TravelportAdapter();

describe('TravelportAdapter', () => {
  const body = fixture('travelport', 'low-fare-search-roundtrip.xml');
  const { records, rejected } = adapter.parse(body, context({ 'x-point-of-sale': 'GB' }));

  it('reads the search from the route list and the transaction id', () => {
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.equal(r.id, '7A1C0E2B0A0759C874E6A3AFCFB11111');
    assert.equal(r.vendor, 'travelport');
    assert.equal(r.pos, 'GB');
    assert.equal(r.origin, 'IST');
    assert.equal(r.destination, 'LON');
    assert.equal(r.departureDate, '2025-11-03');
    assert.equal(r.returnDate, '2025-11-10');
    assert.equal(r.tripType, 'roundtrip');
    assert.deepEqual(r.passengers, { adults: 2, children: 1, infants: 0 });
  });

  it('makes one offer per combination of leg options, at the price point price', () => {
    const offers = records[0]!.offers;
    assert.equal(offers.length, 2);
    assert.deepEqual(
      offers.map((o) =>
        o.legs.map((l) => l.segments.map((s) => `${s.carrier}${s.flightNumber}`).join('+')),
      ),
      [
        ['TK1979', 'TK8044'],
        ['TK1985', 'TK8044'],
      ],
    );
    for (const o of offers) {
      assert.equal(o.currency, 'GBP');
      assert.equal(o.totalAmount, 1045.2);
      assert.equal(o.baseAmount, 690);
      assert.equal(o.taxAmount, 355.2);
    }
    assert.equal(offers[0]!.seatsRemaining, 4);
    assert.equal(offers[1]!.seatsRemaining, 7);
  });

  it('reads segments, fares and passenger prices field by field', () => {
    const o = records[0]!.offers[0]!;
    assert.equal(o.validatingCarrier, 'TK');
    assert.deepEqual(o.carriers, ['TK']);
    assert.equal(o.cabin, 'economy');
    assert.equal(o.refundable, false);
    assert.equal(o.perAdultAmount, 380.2);
    assert.deepEqual(o.passengerPrices, [
      { type: 'adult', count: 2, totalAmount: 760.4, baseAmount: 500, taxAmount: 260.4 },
      { type: 'child', count: 1, totalAmount: 284.8, baseAmount: 190, taxAmount: 94.8 },
    ]);
    assert.deepEqual(o.legs[0], {
      stops: 0,
      durationMinutes: 295,
      segments: [
        {
          carrier: 'TK',
          flightNumber: '1979',
          origin: 'IST',
          destination: 'LHR',
          departAt: '2025-11-03T08:10:00',
          arriveAt: '2025-11-03T10:05:00',
          bookingClass: 'M',
          fareBasis: 'MLE2XPX',
          cabin: 'economy',
        },
      ],
    });
    const back = o.legs[1]!.segments[0]!;
    assert.equal(back.operatingCarrier, 'A3');
    assert.equal(back.departAt, '2025-11-10T11:40:00');
    assert.equal(back.arriveAt, '2025-11-10T17:30:00');
  });

  it('rejects the price point with an unknown segment reference', () => {
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.index, 1);
    assert.match(rejected[0]!.reason, /BookingInfo\[0\]@SegmentRef: unknown segment "seg-missing"/);
  });

  it('rejects XML that is not well formed and SOAP faults', () => {
    const bad = adapter.parse('<air:LowFareSearchRsp><air:X></air:LowFareSearchRsp>', context());
    assert.equal(bad.records.length, 0);
    assert.match(bad.rejected[0]!.reason, /^not valid XML: /);
    const fault = adapter.parse(
      '<SOAP:Envelope xmlns:SOAP="s"><SOAP:Body><SOAP:Fault><faultcode>Server</faultcode><faultstring>NO AVAILABILITY FOR THIS REQUEST</faultstring></SOAP:Fault></SOAP:Body></SOAP:Envelope>',
      context(),
    );
    assert.deepEqual(fault.rejected, [
      { index: -1, reason: 'Fault: SOAP fault: NO AVAILABILITY FOR THIS REQUEST' },
    ]);
  });
});

describe('TravelportAdapter over the shared examples', () => {
  const ex = sharedExamples('travelport');
  if ('skip' in ex) {
    it('runs over shared examples', (t) => {
      console.log(`skipped: ${ex.skip}`);
      t.skip(ex.skip);
    });
    return;
  }
  for (const { name, body } of ex.files.filter((f) => f.name.endsWith('.xml'))) {
    it(`reads ${name}`, () => {
      const r = adapter.parse(body, context());
      assert.equal(assertContract(r), undefined);
      assert.deepEqual(r.rejected, []);
      const rec = r.records[0]!;
      assert.deepEqual([rec.origin, rec.destination, rec.tripType], ['IEV', 'PAR', 'roundtrip']);
      assert.equal(rec.departureDate, '2016-11-10');
      assert.ok(rec.offers.length >= 45);
      for (const o of rec.offers) {
        assert.equal(o.currency, 'EUR');
        assert.ok(['KBP', 'IEV'].includes(o.legs[0]!.segments[0]!.origin));
      }
    });
  }
});
