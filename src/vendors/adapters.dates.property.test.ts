import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TripType } from '../model/shopping-record.js';
import { createAdapters } from './adapters.js';
import {
  GENERATED_SHOPPED_AT,
  type GenSearch,
  genSearch,
  oneWayPieces,
  toAmadeus,
  toAmadeusDateWindow,
  toAmadeusPrice,
  toDuffel,
  toDuffelOfferList,
  toGeneric,
  toKiwi,
  toKiwiMulti,
  toSabreGrouped,
  toSabreOneWay,
  toSabreOta,
  toTravelport,
  toTravelportPricePoints,
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
  { vendor: 'duffel', format: 'offer list', write: toDuffelOfferList, tripTypes: ALL },
  { vendor: 'amadeus', format: 'flight offers search', write: toAmadeus, tripTypes: ALL },
  {
    vendor: 'amadeus',
    format: 'flight offers search POST with a dateWindow',
    write: toAmadeusDateWindow,
    tripTypes: ALL,
  },
  { vendor: 'amadeus', format: 'flight offers price', write: toAmadeusPrice, tripTypes: ALL },
  {
    vendor: 'sabre',
    format: 'OTA_AirLowFareSearchRS (alternate dates, Advanced Calendar Search)',
    write: toSabreOta,
    tripTypes: ALL,
  },
  {
    vendor: 'sabre',
    format: 'groupedItineraryResponse (alternate dates: a group per date pair)',
    write: toSabreGrouped,
    tripTypes: ALL,
  },
  { vendor: 'travelport', format: 'LowFareSearchRsp', write: toTravelport, tripTypes: ALL },
  {
    vendor: 'travelport',
    format: 'LowFareSearchRsp price points',
    write: toTravelportPricePoints,
    tripTypes: ALL,
  },
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

/** Offers as `cents:flights` fingerprints, sorted: what must come out of a payload. */
function expected(offers: GenSearch['offers']): string[] {
  return offers
    .map((o) => `${o.cents}:${fingerprint(o.legs.map((segments) => ({ segments })))}`)
    .sort();
}

describe('several routes in one payload: every offer lands in the record of its route and date', () => {
  for (const tripType of ALL) {
    it(`sabre OneWayItineraries (multi-ticket), the legs of a ${tripType} search`, () => {
      fc.assert(
        fc.property(genSearch(tripType), (s) => {
          const result = adapters.sabre.parse(toSabreOneWay(s), received);
          assert.equal(assertContract(result), undefined);
          assert.deepEqual(result.rejected, []);
          const pieces = oneWayPieces(s);
          const offers = result.records.flatMap((r) => r.offers);
          assert.equal(offers.length, pieces.length, 'no offer lost or duplicated');
          const got = offers.map(
            (o) => `${Math.round(o.totalAmount * 100)}:${fingerprint(o.legs)}`,
          );
          assert.deepEqual(got.sort(), expected(pieces));
          const searches = new Set(
            pieces.map((o) => {
              const leg = o.legs[0]!;
              return `${leg[0]!.origin}-${leg[leg.length - 1]!.destination}|${leg[0]!.departAt.slice(0, 10)}`;
            }),
          );
          assert.equal(result.records.length, searches.size, 'one record per route and date');
          assert.equal(new Set(result.records.map((r) => r.id)).size, searches.size);
          for (const r of result.records) {
            assert.equal(r.tripType, 'oneway');
            for (const o of r.offers) {
              const segs = o.legs[0]!.segments;
              assert.deepEqual(
                [segs[0]!.origin, segs[segs.length - 1]!.destination, datesOf(o.legs, 'oneway')],
                [r.origin, r.destination, `${r.departureDate}|`],
              );
            }
          }
        }),
        { numRuns: 40 },
      );
    });
  }

  for (const tripType of ALL) {
    it(`generic records, one per date pair of a ${tripType} search, come back as sent`, () => {
      fc.assert(
        fc.property(genSearch(tripType), (s) => {
          const body = toGeneric(s);
          const result = adapters.generic.parse(body, received);
          assert.equal(assertContract(result), undefined);
          assert.deepEqual(result.rejected, []);
          const sent = JSON.parse(body) as { id: string; departureDate: string }[];
          assert.deepEqual(
            result.records.map((r) => [r.id, r.departureDate]),
            sent.map((r) => [r.id, r.departureDate]),
          );
          const offers = result.records.flatMap((r) => r.offers);
          const got = offers.map(
            (o) => `${Math.round(o.totalAmount * 100)}:${fingerprint(o.legs)}`,
          );
          assert.deepEqual(got.sort(), expected(s.offers));
          for (const r of result.records)
            for (const o of r.offers)
              assert.equal(datesOf(o.legs, tripType), `${r.departureDate}|${r.returnDate ?? ''}`);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('a generic record holding offers of several dates is refused, naming the offer and its date', () => {
    fc.assert(
      fc.property(genSearch('oneway'), (s) => {
        const records = JSON.parse(toGeneric(s)) as { offers: unknown[] }[];
        fc.pre(records.length > 1);
        const merged = { ...records[0]!, offers: records.flatMap((r) => r.offers) };
        const result = adapters.generic.parse(JSON.stringify(merged), received);
        assert.deepEqual(result.records, []);
        assert.match(
          result.rejected[0]!.reason,
          /offers\[\d+\]\.legs\[0\]\.segments\[0\]\.departAt: leaves on \d{4}-\d{2}-\d{2}, not on departureDate/,
        );
      }),
      { numRuns: 40 },
    );
  });
});
