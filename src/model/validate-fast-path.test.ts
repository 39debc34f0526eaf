import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { shoppingRecordArb } from './testing/arbitraries.js';
import { validateRecord, validateRecordStrictly } from './validate.js';
import { DEFAULT_VALIDATION_POLICY, type ValidationPolicy } from './validation-policy.js';

const FLAG_SHORT_SKEW: ValidationPolicy = { unknownAirports: 'flag', maxClockSkewMs: 1000 };

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
  // The domain rules (issues 15 and 16).
  (r) => {
    r.origin = 'QQQ';
  },
  (r) => {
    segments(r)[0]!.destination = 'QQQ';
  },
  (r) => {
    r.pos = 'ZZ';
  },
  (r) => {
    r.id = `${r.id}\u0000`;
  },
  (r) => {
    segments(r)[0]!.fareBasis = 'Y\u0085';
  },
  (r) => {
    r.shoppedAt = '2099-01-01T00:00:00.000Z';
  },
  (r) => {
    r.departureDate = '2019-01-01';
  },
  (r) => {
    (r.offers as Record<string, unknown>[])[0]!.totalAmount = 0;
  },
  (r) => {
    r.passengers = { adults: 1e9, children: 0, infants: 0 };
  },
  (r) => {
    r.passengers = { adults: 1, children: 0, infants: 2 };
  },
  (r) => {
    r.tripType = r.tripType === 'oneway' ? 'multicity' : 'oneway';
    delete r.returnDate;
  },
  (r) => {
    segments(r)[0]!.departAt = '2031-06-01T10:00';
  },
];

function segments(r: Record<string, unknown>): Record<string, unknown>[] {
  return (r.offers as { legs: { segments: Record<string, unknown>[] }[] }[])[0]!.legs[0]!.segments;
}

describe('validateRecord fast path', () => {
  it('agrees with the zod schema on valid and broken records, errors included', () => {
    fc.assert(
      fc.property(
        shoppingRecordArb,
        fc.integer({ min: -1, max: breakers.length - 1 }),
        fc.constantFrom<ValidationPolicy>(DEFAULT_VALIDATION_POLICY, FLAG_SHORT_SKEW),
        (rec, b, policy) => {
          const a = JSON.parse(JSON.stringify(rec));
          if (b >= 0) breakers[b]!(a);
          const strict = validateRecordStrictly(structuredClone(a), policy);
          const fast = validateRecord(a, policy);
          assert.equal(fast.ok, strict.ok);
          if (fast.ok && strict.ok)
            assert.deepEqual(
              JSON.parse(JSON.stringify(fast.record)),
              JSON.parse(JSON.stringify(strict.record)),
            );
          if (!fast.ok && !strict.ok) assert.deepEqual(fast.errors, strict.errors);
          if (fast.ok && strict.ok) assert.deepEqual(fast.flags, strict.flags);
          // An unbroken record is valid under the default policy.
          if (b < 0 && policy === DEFAULT_VALIDATION_POLICY) assert.equal(fast.ok, true);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
