import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateDeals } from './evaluate-deals.js';
import type { FareRow } from './fare-csv.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

/** A one-way economy fare A-B departing on day `dep`, shopped on day `shop`. */
const fare = (price: number, shop?: number, dep = 30): FareRow => ({
  features: {
    market: 'A-B',
    cabin: 'economy',
    tripType: 'oneway',
    leadDays: dep - (shop ?? 0),
    stayDays: undefined,
    currency: '',
  },
  price,
  ...(shop === undefined ? {} : { shoppedAt: T0 + shop * DAY + 3_600_000 }),
});

describe('evaluateDeals after great', () => {
  const history = Array.from({ length: 200 }, (_, i) => fare(100 + i));
  it('counts, for fares labelled great, whether later fares for the same trip were higher', () => {
    // history 100 … 299: great is below p10 ≈ 120. Departure day 30: great 105 on day 1, then
    // 150 and 110 (both higher). Departure day 31: great 101, then 99 (lower). Great fares
    // with no later fare of their trip (110, 99, 90) are not counted.
    const probe = [
      fare(105, 1),
      fare(150, 2),
      fare(110, 4),
      fare(101, 2, 31),
      fare(99, 3, 31),
      fare(90, 5, 40),
    ];
    const e = evaluateDeals(history, probe);
    assert.ok(e.afterGreat);
    assert.equal(e.afterGreat.offers, 2);
    // 105: no later fare lower; 101: 99 came later
    assert.equal(e.afterGreat.noLowerLater, 0.5);
    // pairs: 105→150 higher, 105→110 higher, 101→99 lower: 2 of 3
    assert.ok(Math.abs(e.afterGreat.laterHigher - 2 / 3) < 1e-12);
  });

  it('leaves it out when the probe fares have no shopping times', () => {
    const e = evaluateDeals(history, [fare(105), fare(150)]);
    assert.equal(e.afterGreat, undefined);
  });
});
