import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { encodeRecordWithAvsc } from './codec.js';
import { compileRecordPass, type ZodNode } from './record-pass.js';
import type { Offer } from './shopping-record.js';
import { shoppingRecordArb } from './testing/arbitraries.js';
import { sampleRecord, searchRecord } from './testing/records.js';
import { REJECTION_CASES } from './testing/rejection-cases.js';
import { validateAndEncode, validateRecordStrictly } from './validate.js';
import { DEFAULT_VALIDATION_POLICY, type ValidationPolicy } from './validation-policy.js';

const FLAG_SHORT_SKEW: ValidationPolicy = { unknownAirports: 'flag', maxClockSkewMs: 1000 };

type Json = Record<string, unknown> | unknown[];

/** Every place of a JSON value that holds a value: [container, key]. */
function places(v: unknown, out: [Json, string | number][] = []): [Json, string | number][] {
  if (Array.isArray(v))
    v.forEach((x, i) => {
      out.push([v, i]);
      places(x, out);
    });
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) {
      out.push([v as Json, k]);
      places(x, out);
    }
  return out;
}

// What a vendor may put anywhere: wrong types, edges of every range, odd text.
const REPLACEMENTS: unknown[] = [
  null,
  undefined,
  0,
  -1,
  1,
  1.5,
  0.001,
  9,
  10,
  2 ** 31,
  2 ** 53,
  1e12,
  1e12 + 1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x',
  'AB',
  'ABC',
  'abc',
  'Ä',
  '\u0000',
  'x'.repeat(200),
  '2025-02-29',
  '2025-01-01T00:00:00+02:00',
  '2025-01-01T25:00',
  true,
  false,
  [],
  {},
  'USD',
  'roundtrip',
  'economy',
];

/** Breaks (or not) `a` in place: replace one value, delete one key, or add one. */
function mutate(a: Json, where: number, what: number, how: number): void {
  const all = places(a);
  const [c, k] = all[where % all.length]!;
  const v = REPLACEMENTS[what % REPLACEMENTS.length];
  if (how === 0) (c as Record<string | number, unknown>)[k] = v;
  else if (how === 1 && !Array.isArray(c)) delete c[k as string];
  else if (how === 2 && !Array.isArray(c)) c.extra = v;
}

/** Flags an offer as an adapter does, saying whether it changed it. */
const flagCheap = (o: Offer) => {
  if (o.amountsInconsistent === true || o.totalAmount < 100) return false;
  o.amountsInconsistent = true;
  return true;
};

const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
/** The record the rejection cases break (as sinks-refuse-invalid.test.ts). */
const valid = () => searchRecord({ id: 'r', offers: [{ carrier: 'BA', amount: 100 }] });

describe('validateAndEncode (the fused pass)', () => {
  it('decides, words and encodes as zod plus the avsc encoder, on valid and broken records', () => {
    let fused = 0;
    fc.assert(
      fc.property(
        shoppingRecordArb,
        fc.integer({ min: -1, max: 3 }),
        fc.nat(),
        fc.nat(),
        fc.constantFrom<ValidationPolicy>(DEFAULT_VALIDATION_POLICY, FLAG_SHORT_SKEW),
        fc.boolean(),
        (rec, how, where, what, policy, hook) => {
          const a = plain(rec);
          if (how >= 0) mutate(a, where, what, how);
          const hooks = hook ? { Offer: flagCheap } : undefined;
          const strict = validateRecordStrictly(structuredClone(a), policy);
          if (strict.ok && hooks) for (const o of strict.record.offers) flagCheap(o);
          const got = validateAndEncode(a, policy, hooks);
          assert.equal(got.ok, strict.ok);
          if (!got.ok && !strict.ok) assert.deepEqual(got.errors, strict.errors);
          if (got.ok && strict.ok) {
            assert.deepEqual(plain(got.record), plain(strict.record));
            assert.deepEqual(got.flags, strict.flags);
            if (got.data) {
              fused++;
              assert.deepEqual(got.data, encodeRecordWithAvsc(strict.record));
            }
            // an untouched record takes the fused way (else this test would prove nothing)
            if (how < 0) assert.ok(got.data, 'a valid record went the slow way');
          }
        },
      ),
      { numRuns: 4000 },
    );
    assert.ok(fused > 1000, `only ${fused} records took the fused way`);
  });

  it('refuses every rule of the validation table with zod`s error', () => {
    assert.ok(validateAndEncode(plain(valid())).ok);
    for (const c of REJECTION_CASES) {
      const r = plain(valid());
      c.breakIt(r);
      const got = validateAndEncode(r);
      assert.equal(got.ok, false, c.name);
      assert.equal('data' in got, false, c.name);
      if (!got.ok) assert.match(got.errors.join('; '), c.error, c.name);
    }
  });

  it('lets a hook change a valid offer, and never makes an invalid one valid', () => {
    const r = plain(sampleRecord(1));
    r.offers[0].totalAmount = 500;
    const got = validateAndEncode(r, DEFAULT_VALIDATION_POLICY, { Offer: flagCheap });
    assert.ok(got.ok && got.data);
    assert.equal(got.record.offers[0]!.amountsInconsistent, true);
    assert.deepEqual(got.data, encodeRecordWithAvsc(got.record));

    const bad = plain(sampleRecord(1));
    bad.offers[0].totalAmount = 500;
    bad.offers[0].amountsInconsistent = 'yes';
    const refused = validateAndEncode(bad, DEFAULT_VALIDATION_POLICY, { Offer: flagCheap });
    assert.equal(refused.ok, false);
  });

  it('refuses to compile schemas that do not correspond field for field', () => {
    const avro = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] };
    const pass = (s: z.ZodType) => compileRecordPass(s as unknown as ZodNode, avro, 1, 1);
    assert.throws(() => pass(z.object({ a: z.string(), b: z.string() })), /fields of R differ/);
    assert.throws(() => pass(z.object({ a: z.number() })), /Avro string for zod number/);
    assert.throws(() => pass(z.object({ a: z.string().trim() })), /rewrites its value/);
    assert.throws(() => pass(z.object({ a: z.string() }).loose()), /keeps unknown keys/);
    const ok = pass(z.object({ a: z.string().max(2) }));
    assert.deepEqual([...ok({ a: 'hi', b: 1 })!], [1, 1, 4, 0x68, 0x69]);
    assert.equal(ok({ a: 'hey' }), undefined);
  });
});
