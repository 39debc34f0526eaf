import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quantilesInPlace } from './select-quantiles.js';

/** R's type-7 quantile of sorted `s`. */
function bySort(s: Float64Array, p: number): number {
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return (s[lo] as number) + (h - lo) * ((s[hi] as number) - (s[lo] as number));
}

test('quantilesInPlace equals the sort-based type-7 quantiles, with ties, on any size', () => {
  let seed = 7;
  const u = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const ps = [0, 0.025, 0.1, 0.5, 0.9, 0.975, 1];
  for (const n of [1, 2, 3, 5, 17, 200, 2000, 2001]) {
    for (const ties of [false, true]) {
      const v = Float64Array.from({ length: n }, () =>
        ties ? Math.floor(u() * 5) : u() * 100 - 50,
      );
      const sorted = Float64Array.from(v).sort();
      const out = new Float64Array(ps.length);
      quantilesInPlace(v, ps, out);
      for (let j = 0; j < ps.length; j++)
        assert.equal(out[j], bySort(sorted, ps[j] as number), `n=${n} ties=${ties} p=${ps[j]}`);
    }
  }
});

test('quantilesInPlace refuses an empty sample', () => {
  assert.throws(
    () => quantilesInPlace(new Float64Array(0), [0.5], new Float64Array(1)),
    RangeError,
  );
});
