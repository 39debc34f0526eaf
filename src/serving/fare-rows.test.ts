import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { shoppingRecordArb } from '../model/testing/arbitraries.js';
import { searchRecord } from '../model/testing/records.js';
import { byteOrder, fareRows, searchRows } from './fare-rows.js';
import { ONE_WAY_RETURN_DATE } from './migrations.js';

describe('fareRows', () => {
  it('does not depend on the order or repetition of records', () => {
    fc.assert(
      fc.property(
        fc
          .array(shoppingRecordArb, { maxLength: 8 })
          .chain((rs) =>
            fc.tuple(
              fc.constant(rs),
              fc.shuffledSubarray([...rs, ...rs], { minLength: rs.length * 2 }),
            ),
          ),
        ([records, shuffled]) => {
          assert.deepEqual(fareRows(shuffled), fareRows(records));
          assert.deepEqual(searchRows(shuffled), searchRows(records));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keys a fare by trip, pos, cabin, validating carrier, most stops of any leg, currency', () => {
    const r = searchRecord({
      id: 'k',
      returnDate: '2030-03-09',
      pos: 'DE',
      offers: [
        { carrier: 'LH', amount: 700, stops: 1, cabin: 'premium', currency: 'EUR' },
        { carrier: 'LH', amount: 650, stops: 1, cabin: 'premium', currency: 'EUR' },
      ],
    });
    r.offers[0]!.legs[1]!.stops = 2;
    const rows = fareRows([r]);
    assert.deepEqual(
      rows.map((f) => [f.returnDate, f.pos, f.cabin, f.carrier, f.stops, f.currency, f.amount]),
      [
        ['2030-03-09', 'DE', 'premium', 'LH', 1, 'EUR', 650],
        ['2030-03-09', 'DE', 'premium', 'LH', 2, 'EUR', 700],
      ],
    );
    const oneWay = fareRows([searchRecord({ id: 'o', offers: [{ carrier: 'LH', amount: 1 }] })]);
    assert.equal(oneWay[0]?.returnDate, ONE_WAY_RETURN_DATE);
    assert.equal(oneWay[0]?.pos, '');
  });
});

describe('byteOrder', () => {
  // any UTF-16 code unit, lone surrogates too; few distinct units so that strings share prefixes
  const unit = fc.constantFrom(
    'a',
    'z',
    '~',
    '\u00e9',
    '\u07ff',
    '\u0800',
    '\ud7ff',
    '\ud800',
    '\udbff',
    '\udc00',
    '\udfff',
    '\ue000',
    '\uffff',
    '\ud83d\ude00',
    '\ud800\udc00',
  );
  const text = fc.array(unit, { maxLength: 6 }).map((u) => u.join(''));
  const sign = (n: number) => Math.sign(n);

  it('orders as the strings UTF-8 bytes do (PostgreSQL COLLATE "C")', () => {
    fc.assert(
      fc.property(text, text, text, (prefix, a, b) => {
        const x = prefix + a;
        const y = prefix + b;
        assert.equal(
          sign(byteOrder(x, y)),
          sign(Buffer.compare(Buffer.from(x), Buffer.from(y))),
          JSON.stringify([x, y]),
        );
      }),
      { numRuns: 5000 },
    );
  });

  it('puts a supplementary character after U+E000-U+FFFF, unlike UTF-16 order', () => {
    assert.ok(byteOrder('\ud83d\ude00', '\uffff') > 0);
    assert.ok('\ud83d\ude00' < '\uffff', 'UTF-16 code units sort the other way');
    assert.ok(byteOrder('ab', 'abc') < 0);
    assert.equal(byteOrder('x\ud800', 'x\ud800'), 0);
  });
});
