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

describe('TravelportAdapter, AirPricingSolution results (air_v47_0, SOAP-ENV, common_v47_0)', () => {
  const body = fixture('travelport', 'low-fare-search-solutions-v47.xml');
  const { records, rejected } = adapter.parse(body, context());

  it('reads the search from the route list and passengers from the pricing infos', () => {
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.equal(r.id, '5B0E3A1C0A0759C874E6A3AFCF222222');
    assert.deepEqual(
      [r.origin, r.destination, r.departureDate, r.returnDate, r.tripType],
      ['SEL', 'IEV', '2025-10-16', '2025-10-23', 'roundtrip'],
    );
    assert.deepEqual(r.passengers, { adults: 2, children: 1, infants: 1 });
    assert.equal(r.offers.length, 1);
  });

  it('builds legs from Journey elements and bookings from BookingInfo, field by field', () => {
    const o = records[0]!.offers[0]!;
    assert.equal(o.currency, 'KRW');
    assert.equal(o.totalAmount, 2890400);
    assert.equal(o.baseAmount, 1676300);
    assert.equal(o.taxAmount, 1214100);
    assert.equal(o.perAdultAmount, 1177300);
    assert.deepEqual(o.passengerPrices, [
      { type: 'adult', count: 2, totalAmount: 2354600, baseAmount: 1289400, taxAmount: 1065200 },
      { type: 'child', count: 1, totalAmount: 424200, baseAmount: 322400, taxAmount: 101800 },
      { type: 'infant', count: 1, totalAmount: 111600, baseAmount: 64500, taxAmount: 47100 },
    ]);
    assert.equal(o.validatingCarrier, 'LO');
    assert.deepEqual(o.carriers, ['LO']);
    assert.equal(o.cabin, 'premium');
    assert.equal(o.refundable, true);
    assert.equal(o.seatsRemaining, 4, 'the smallest BookingCount');
    assert.deepEqual(o.legs[0], {
      stops: 2,
      durationMinutes: 1080,
      segments: [
        {
          carrier: 'LO',
          flightNumber: '98',
          operatingCarrier: 'KE',
          origin: 'ICN',
          destination: 'WAW',
          departAt: '2025-10-16T10:55:00',
          arriveAt: '2025-10-16T14:25:00',
          bookingClass: 'V',
          fareBasis: 'VLOWKR',
          cabin: 'economy',
        },
        {
          carrier: 'LO',
          flightNumber: '751',
          origin: 'WAW',
          destination: 'KBP',
          departAt: '2025-10-16T20:20:00',
          arriveAt: '2025-10-16T22:55:00',
          bookingClass: 'V',
          fareBasis: 'VLOWKR',
          cabin: 'economy',
        },
      ],
    });
    const back = o.legs[1]!;
    assert.equal(back.stops, 1);
    assert.equal(back.durationMinutes, 1110);
    assert.deepEqual(
      back.segments.map((s) => [s.flightNumber, s.origin, s.destination, s.arriveAt, s.cabin]),
      [
        ['752', 'KBP', 'WAW', '2025-10-23T09:10:00', 'economy'],
        ['97', 'WAW', 'ICN', '2025-10-24T09:10:00', 'premium'],
      ],
    );
  });

  it('rejects solutions by index: unknown segment reference, amount finer than the minor unit', () => {
    assert.deepEqual(rejected, [
      {
        index: 1,
        reason: 'AirPricingSolution[1].Journey[0].AirSegmentRef[0]@Key: unknown segment "a9"',
      },
      {
        index: 2,
        reason:
          'AirPricingSolution[2]@TotalPrice: "2700000.5" has more decimals than KRW\'s minor unit (0)',
      },
    ]);
  });

  it('reads the asynchronous response element the same way', () => {
    const text = body.toString().replaceAll('air:LowFareSearchRsp', 'air:LowFareSearchAsyncRsp');
    const r = adapter.parse(text, context());
    assert.equal(r.records[0]!.offers[0]!.totalAmount, 2890400);
    assert.equal(r.rejected.length, 2);
  });
});

describe('TravelportAdapter, older schema in a default namespace, bare, with a BOM', () => {
  const body = fixture('travelport', 'low-fare-search-default-namespace.xml');
  const { records, rejected } = adapter.parse(body, context());

  it('splits AirSegmentRefs into legs by Group and reads inline FlightDetails as a stop', () => {
    assert.deepEqual(rejected, []);
    const r = records[0]!;
    assert.equal(r.id, '0A0759C874E6A3AFCF333333');
    assert.deepEqual(
      [r.origin, r.destination, r.departureDate, r.returnDate, r.tripType],
      ['LHR', 'JFK', '2025-12-01', '2025-12-08', 'roundtrip'],
    );
    assert.deepEqual(r.passengers, { adults: 2, children: 0, infants: 0 });
    const o = r.offers[0]!;
    assert.deepEqual(
      o.legs.map((l) => [l.stops, l.segments.map((s) => `${s.carrier}${s.flightNumber}`)]),
      [
        [1, ['BA117']],
        [0, ['BA112']],
      ],
    );
    assert.deepEqual(o.legs[0]!.segments[0], {
      carrier: 'BA',
      flightNumber: '117',
      origin: 'LHR',
      destination: 'JFK',
      departAt: '2025-12-01T08:25:00',
      arriveAt: '2025-12-01T11:25:00',
      bookingClass: 'O',
      fareBasis: 'OLN0Z1',
      cabin: 'economy',
    });
  });

  it('multiplies a pricing info priced for one traveller when that matches the total', () => {
    const o = records[0]!.offers[0]!;
    assert.deepEqual(
      [o.currency, o.totalAmount, o.baseAmount, o.taxAmount, o.perAdultAmount, o.refundable],
      ['GBP', 800.2, 600, 200.2, 400.1, false],
    );
    assert.deepEqual(o.passengerPrices, [
      { type: 'adult', count: 2, totalAmount: 800.2, baseAmount: 600, taxAmount: 200.2 },
    ]);
  });

  it('reads AirSegments given inline in the solution', () => {
    const o = records[0]!.offers[1]!;
    assert.deepEqual(
      [o.totalAmount, o.perAdultAmount, o.validatingCarrier, o.cabin],
      [912, 456, 'VS', 'business'],
    );
    assert.deepEqual(
      o.legs.map((l) => l.segments.map((s) => `${s.carrier}${s.flightNumber} ${s.departAt}`)),
      [['VS3 2025-12-01T11:00:00'], ['VS4 2025-12-08T19:30:00']],
    );
  });
});

describe('TravelportAdapter, encodings and empty or failed searches', () => {
  const text = fixture('travelport', 'low-fare-search-roundtrip.xml').toString();
  const expected = adapter.parse(text, context()).records[0]!;

  it('decodes UTF-16 with a byte-order mark, or by the charset of content-type', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    assert.deepEqual(adapter.parse(le, context()).records[0]!.offers, expected.offers);
    const noBom = Buffer.from(text.replace('encoding="UTF-8"', 'encoding="UTF-16"'), 'utf16le');
    const r = adapter.parse(noBom, context({ 'content-type': 'text/xml; charset=UTF-16LE' }));
    assert.deepEqual(r.records[0]!.offers, expected.offers);
    assert.deepEqual(adapter.parse(noBom, context()).records[0]!.offers, expected.offers);
  });

  it('decodes by the XML declaration when the header names no charset', () => {
    const latin1 = Buffer.from(
      text
        .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
        .replace('TransactionId="7A1C0E2B0A0759C874E6A3AFCFB11111"', 'TransactionId="café-1"'),
      'latin1',
    );
    assert.equal(adapter.parse(latin1, context()).records[0]!.id, 'café-1');
    const r = adapter.parse(latin1, context({ 'content-type': 'text/xml; charset=x-unknown' }));
    assert.deepEqual(r.rejected, [
      { index: -1, reason: 'header content-type: unsupported charset "x-unknown"' },
    ]);
  });

  it('names the response messages of a search that found nothing', () => {
    const r = adapter.parse(
      '<SOAP:Envelope xmlns:SOAP="s"><SOAP:Body><air:LowFareSearchRsp xmlns:air="a" xmlns:common_v52_0="c" TransactionId="T9"><common_v52_0:ResponseMessage Code="3000" Type="Warning">Best buy not available</common_v52_0:ResponseMessage><common_v52_0:ResponseMessage Code="13" Type="Error">NO AVAILABILITY FOR THIS REQUEST</common_v52_0:ResponseMessage></air:LowFareSearchRsp></SOAP:Body></SOAP:Envelope>',
      context(),
    );
    assert.deepEqual(r, {
      records: [],
      rejected: [
        {
          index: -1,
          reason:
            'LowFareSearchRsp: no AirPricePoint or AirPricingSolution in the response (ResponseMessage: NO AVAILABILITY FOR THIS REQUEST)',
        },
      ],
    });
  });

  it('reads the reason of a SOAP 1.2 fault', () => {
    const r = adapter.parse(
      '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text xml:lang="en">Transaction Error: AppErrorSeverityLevel/1</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>',
      context(),
    );
    assert.deepEqual(r.rejected, [
      { index: -1, reason: 'Fault: SOAP fault: Transaction Error: AppErrorSeverityLevel/1' },
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
      // Received when a payload of its age would have been, not on RECEIVED_AT.
      const r = adapter.parse(body, contextAt(receivedAtFor(adapter, body)));
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
