import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { shoppingRecordArb } from './testing/arbitraries.js';
import { validateRecord, validateRecordStrictly } from './validate.js';

// Mutations that break one rule each, applied at a random place of a valid record.
const breakers: ((r: Record<string, unknown>) => void)[] = [
  (r) => {
    r.departureDate = '2025-02-29';
  },
  (r) => {
    r.shoppedAt = '2025-01-01T00:00:00';
  },
  (r) => {
    r.origin = r.destination;
  },
  (r) => {
    (r.offers as Record<string, unknown>[])[0]!.currency = 'ZZZ';
  },
  (r) => {
    (r.offers as Record<string, unknown>[])[0]!.totalAmount = 1.0001;
  },
  (r) => {
    (r.offers as Record<string, unknown>[])[0]!.totalAmount = Number.NaN;
  },
  (r) => {
    (r.offers as Record<string, unknown>[])[0]!.totalAmount = -5;
  },
  (r) => {
    r.tripType = 'roundtrip';
    delete r.returnDate;
  },
  (r) => {
    r.returnDate = '1999-01-01';
  },
  (r) => {
    r.passengers = { adults: 0, children: 0, infants: 0 };
  },
  (r) => {
    r.offers = [];
  },
  (r) => {
    delete r.vendor;
  },
  (r) => {
    r.pos = 'usa';
  },
  (r) => {
    (r.offers as { legs: { segments: Record<string, unknown>[] }[] }[])[0]!.legs[0]!
      .segments[0]!.arriveAt = '2024-13-01T10:00';
  },
  (r) => {
    (r.offers as { legs: { segments: Record<string, unknown>[] }[] }[])[0]!.legs[0]!
      .segments[0]!.flightNumber = 'AB';
  },
  (r) => {
    r.extra = 'ignored';
  },
];

describe('validateRecord fast path', () => {
  it('agrees with the zod schema on valid and broken records, errors included', () => {
    fc.assert(
      fc.property(
        shoppingRecordArb,
        fc.integer({ min: -1, max: breakers.length - 1 }),
        (rec, b) => {
          const a = JSON.parse(JSON.stringify(rec));
          if (b >= 0) breakers[b]!(a);
          const strict = validateRecordStrictly(structuredClone(a));
          const fast = validateRecord(a);
          assert.equal(fast.ok, strict.ok);
          if (fast.ok && strict.ok)
            assert.deepEqual(
              JSON.parse(JSON.stringify(fast.record)),
              JSON.parse(JSON.stringify(strict.record)),
            );
          if (!fast.ok && !strict.ok) assert.deepEqual(fast.errors, strict.errors);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
