import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAdapters } from './adapters.js';
import { assertContract, context, fixture } from './testing/vendor-test-kit.js';

const adapters = createAdapters();
const N = 1000;

function json(vendor: Parameters<typeof fixture>[0], name: string) {
  return JSON.parse(fixture(vendor, name).toString());
}

describe('every adapter on large payloads (not timed: the contract holds at size)', () => {
  it(`amadeus: ${N} offers`, () => {
    const doc = json('amadeus', 'flight-offers-oneway-traveler-types.json');
    doc.data = Array.from({ length: N }, () => doc.data[0]);
    const r = adapters.amadeus.parse(Buffer.from(JSON.stringify(doc)), context());
    assert.equal(assertContract(r), undefined);
    assert.deepEqual([r.records[0]!.offers.length, r.rejected.length], [N, 0]);
  });

  it(`kiwi: ${N} itineraries`, () => {
    const doc = json('kiwi', 'search-roundtrip.json');
    doc.data = Array.from({ length: N }, () => doc.data[0]);
    const r = adapters.kiwi.parse(Buffer.from(JSON.stringify(doc)), context());
    assert.deepEqual([r.records[0]!.offers.length, r.rejected.length], [N, 0]);
  });

  it(`duffel: ${N} offers in a list`, () => {
    const doc = json('duffel', 'offer-request-roundtrip.json');
    const r = adapters.duffel.parse(
      Buffer.from(JSON.stringify({ data: Array.from({ length: N }, () => doc.data.offers[0]) })),
      context(),
    );
    assert.deepEqual([r.records[0]!.offers.length, r.rejected.length], [N, 0]);
  });

  it(`travelport: ${N} pricing solutions`, () => {
    const text = fixture('travelport', 'low-fare-search-solutions-v47.xml').toString();
    const start = text.indexOf('<air:AirPricingSolution Key="sol0"');
    const end =
      text.indexOf('</air:AirPricingSolution>', start) + '</air:AirPricingSolution>'.length;
    const many = text.slice(0, start) + text.slice(start, end).repeat(N) + text.slice(end);
    const r = adapters.travelport.parse(Buffer.from(many), context());
    assert.equal(r.records[0]!.offers.length, N);
    assert.equal(r.rejected.length, 2);
  });

  it('sabre: more rejected itineraries than a function call takes arguments', () => {
    const doc = json('sabre', 'bfm-v6-grouped-oneway.json');
    const many = 150_000;
    doc.groupedItineraryResponse.itineraryGroups[0].itineraries = [
      doc.groupedItineraryResponse.itineraryGroups[0].itineraries[0],
      ...Array.from({ length: many }, () => ({})),
    ];
    const r = adapters.sabre.parse(Buffer.from(JSON.stringify(doc)), context());
    assert.equal(r.records[0]!.offers.length, 1);
    assert.equal(r.rejected.length, many);
    assert.deepEqual(r.rejected[many - 1], {
      index: many,
      reason: `itineraryGroups[0].itineraries[${many}].pricingInformation[0]: expected an object, got missing`,
    });
  });
});
