import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { shoppingRecordArb } from './testing/arbitraries.js';
import { validateRecord, validateRecordStrictly } from './validate.js';

const INSTANTS = [
  '2024-02-29T23:59:59.999Z',
  '2023-02-29T00:00:00.000Z',
  '2024-02-30T00:00:00.000Z',
  '2024-01-01T24:00:00.000Z',
  '2024-01-01T23:60:00.000Z',
  '2024-01-01T23:59:60.000Z',
  '2024-04-31T10:00:00.000Z',
  '1900-02-29T10:00:00.000Z',
  '2000-02-29T10:00:00.000Z',
  '0000-01-01T00:00:00.000Z',
  '2024-01-01T10:00:00Z',
  '2024-01-01T10:00:00.5Z',
  '2024-01-01T10:00:00.000+02:00',
  '2024-01-01t10:00:00.000Z',
  '2024-01-01T10:00:00.000z',
  '2024-1-01T10:00:00.000Z',
  '２０24-01-01T10:00:00.000Z',
];
const LOCAL_TIMES = [
  '2025-03-01T10:00',
  '2025-03-01T10:00:59',
  '2024-02-29T10:00',
  '2025-02-29T10:00',
  '2025-03-01T10:00:5',
  '2025-03-01T10:00Z',
  '2025-03-01 10:00',
  '2025-03-01T1:00',
  '2025-03-01T10-00',
  '2025-03-32T10:00',
];

describe('validation fast path: dates and instants', () => {
  it('agrees with the schema on edge-case instants, dates and local times', () => {
    const base = fc.sample(shoppingRecordArb, 20);
    for (const [i, r] of base.entries()) {
      const variants: unknown[] = [
        ...INSTANTS.map((shoppedAt) => ({ ...r, shoppedAt })),
        ...INSTANTS.map((receivedAt) => ({ ...r, receivedAt })),
        ...LOCAL_TIMES.map((departAt) => {
          const o = r.offers[0]!;
          const l = o.legs[0]!;
          const segments = [{ ...l.segments[0]!, departAt }, ...l.segments.slice(1)];
          return { ...r, offers: [{ ...o, legs: [{ ...l, segments }, ...o.legs.slice(1)] }] };
        }),
      ];
      for (const v of variants) {
        const fast = validateRecord(structuredClone(v));
        const strict = validateRecordStrictly(structuredClone(v));
        assert.deepEqual(fast, strict, `record ${i}: ${JSON.stringify(v).slice(0, 120)}`);
      }
    }
  });
});
