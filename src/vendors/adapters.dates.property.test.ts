import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TripType } from '../model/shopping-record.js';
import { createAdapters } from './adapters.js';
import {
  GENERATED_SHOPPED_AT,
  type GenSearch,
  genSearch,
  toAmadeus,
  toAmadeusPrice,
  toDuffel,
  toKiwi,
  toKiwiMulti,
  toSabreGrouped,
  toSabreOta,
  toTravelport,
} from './testing/generated-payloads.js';
import { assertContract, contextAt, shortlyAfter } from './testing/vendor-test-kit.js';
import type { VendorName } from './vendor-adapter.js';

const adapters = createAdapters();
/** The generated searches (flights from 2026) arrive shortly after they were shopped. */
const received = contextAt(shortlyAfter(GENERATED_SHOPPED_AT));

interface Case {
  vendor: VendorName;
  format: string;
  write: (s: GenSearch) => string;
  tripTypes: TripType[];
}

const ALL: TripType[] = ['oneway', 'roundtrip', 'multicity'];
const CASES: Case[] = [
  { vendor: 'kiwi', format: 'search', write: toKiwi, tripTypes: ['oneway', 'roundtrip'] },
  { vendor: 'kiwi', format: 'multi-city array', write: toKiwiMulti, tripTypes: ALL },
  { vendor: 'duffel', format: 'offer request', write: toDuffel, tripTypes: ALL },
  { vendor: 'amadeus', format: 'flight offers search', write: toAmadeus, tripTypes: ALL },
  { vendor: 'amadeus', format: 'flight offers price', write: toAmadeusPrice, tripTypes: ALL },
  { vendor: 'sabre', format: 'OTA_AirLowFareSearchRS', write: toSabreOta, tripTypes: ALL },
  { vendor: 'sabre', format: 'groupedItineraryResponse', write: toSabreGrouped, tripTypes: ALL },
  { vendor: 'travelport', format: 'LowFareSearchRsp', write: toTravelport, tripTypes: ALL },
];

/** The date pair an offer flies on: first flight's local date, and the return leg's. */
function datesOf(legs: { segments: { departAt: string }[] }[], tripType: TripType): string {
  const dep = legs[0]!.segments[0]!.departAt.slice(0, 10);
  const ret = tripType === 'roundtrip' ? legs[legs.length - 1]!.segments[0]!.departAt : '';
  return `${dep}|${ret.slice(0, 10)}`;
}

/** A fingerprint of an offer that survives normalization: flights and total in cents. */
function fingerprint(legs: { segments: { flightNumber: string; departAt: string }[] }[]): string {
  return legs
    .map((l) => l.segments.map((s) => `${s.flightNumber}@${s.departAt}`).join(','))
    .join('/');
}

describe('every offer lands in the record of its own dates', () => {
  for (const c of CASES) {
    for (const tripType of c.tripTypes) {
      it(`${c.vendor} ${c.format}, ${tripType} over several dates`, () => {
        fc.assert(
          fc.property(genSearch(tripType), (s) => {
            const result = adapters[c.vendor].parse(c.write(s), received);
            assert.equal(assertContract(result), undefined);
            assert.deepEqual(result.rejected, []);
            const offers = result.records.flatMap((r) => r.offers);
            assert.equal(offers.length, s.offers.length, 'no offer lost or duplicated');
            const want = s.offers
              .map((o) => `${o.cents}:${fingerprint(o.legs.map((segments) => ({ segments })))}`)
              .sort();
            const got = offers
              .map((o) => `${Math.round(o.totalAmount * 100)}:${fingerprint(o.legs)}`)
              .sort();
            assert.deepEqual(got, want);
            const pairs = new Set(
              s.offers.map((o) =>
                datesOf(
                  o.legs.map((segments) => ({ segments })),
                  tripType,
                ),
              ),
            );
            assert.equal(result.records.length, pairs.size, 'one record per date pair');
            assert.equal(new Set(result.records.map((r) => r.id)).size, pairs.size);
            for (const r of result.records) {
              assert.equal(r.tripType, tripType);
              assert.deepEqual(
                [r.origin, r.destination],
                [s.routes[0]!.origin, s.routes[0]!.destination],
              );
              if (pairs.size > 1) assert.match(r.id, new RegExp(`~${r.departureDate}`));
              for (const o of r.offers) {
                assert.equal(o.legs.length, s.routes.length, 'every leg kept');
                assert.equal(datesOf(o.legs, tripType), `${r.departureDate}|${r.returnDate ?? ''}`);
              }
            }
          }),
          { numRuns: 40 },
        );
      });
    }
  }
});
