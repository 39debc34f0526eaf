import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { shoppingRecordArb } from '../model/testing/arbitraries.js';
import { searchRecord } from '../model/testing/records.js';
import { fareRows, searchRows } from './fare-rows.js';
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
