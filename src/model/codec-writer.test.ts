import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeRecord, encodeRecordWithAvsc } from './codec.js';
import { CodecError } from './errors.js';
import type { ShoppingRecord } from './shopping-record.js';
import { shoppingRecordArb } from './testing/arbitraries.js';

/** A record with non-ASCII text of every UTF-8 width, long strings and extreme numbers. */
function unusual(r: ShoppingRecord, text: string): ShoppingRecord {
  const o = r.offers[0]!;
  return {
    ...r,
    id: `${r.id}-${text}`,
    pos: text,
    offers: [
      {
        ...o,
        totalAmount: -0,
        baseAmount: 1e300,
        taxAmount: Number.MIN_VALUE,
        seatsRemaining: -2_000_000_000,
        legs: o.legs.map((l) => ({
          ...l,
          durationMinutes: 2 ** 31 - 1,
          segments: l.segments.map((s) => ({ ...s, fareBasis: text.repeat(40) })),
        })),
      },
      ...r.offers.slice(1),
    ],
  };
}

describe('record codec: direct writer', () => {
  it('writes the same bytes as avsc for any valid record', () => {
    fc.assert(
      fc.property(shoppingRecordArb, (r) => {
        assert.deepEqual(encodeRecord(r), encodeRecordWithAvsc(r));
      }),
      { numRuns: 500 },
    );
  });

  it('writes the same bytes as avsc for non-ASCII text, long strings and extreme numbers', () => {
    fc.assert(
      fc.property(shoppingRecordArb, fc.string({ unit: 'binary', maxLength: 70 }), (r, text) => {
        const u = unusual(r, text);
        assert.deepEqual(encodeRecord(u), encodeRecordWithAvsc(u));
      }),
      { numRuns: 300 },
    );
    const r = fc.sample(shoppingRecordArb, 1)[0]!;
    for (const text of ['é', '€uro', '😀', '\ud800', 'a\udc00b', 'ß'.repeat(33), 'x'.repeat(64)]) {
      const u = unusual(r, text);
      assert.deepEqual(encodeRecord(u), encodeRecordWithAvsc(u), JSON.stringify(text));
    }
  });

  it('refuses what avsc refuses, with CodecError', () => {
    const r = fc.sample(shoppingRecordArb, 1)[0]!;
    const bad: unknown[] = [
      { ...r, shoppedAt: 'not a time' },
      { ...r, tripType: 'circle' },
      { ...r, passengers: { ...r.passengers, adults: 1.5 } },
      { ...r, offers: [{ ...r.offers[0]!, cabin: 'steerage' }] },
      { ...r, offers: [{ ...r.offers[0]!, refundable: 'yes' }] },
      { ...r, offers: [{ ...r.offers[0]!, totalAmount: '12.00' }] },
      { ...r, origin: 42 },
      { ...r, offers: 'none' },
    ];
    for (const b of bad) assert.throws(() => encodeRecord(b as ShoppingRecord), CodecError);
  });
});
