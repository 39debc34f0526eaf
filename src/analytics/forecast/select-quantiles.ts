/**
 * Type-7 quantiles (R's default) of an unsorted sample by selection instead of a sort:
 * the simulated intervals of forecastEts need four quantiles of 2,000 draws per step, and
 * sorting them cost more than the fit itself (about 4 ms of a 13 ms fit + forecast on
 * 28 steps).
 */

/** Swaps v[i] and v[j]. */
function swap(v: Float64Array, i: number, j: number): void {
  const t = v[i] as number;
  v[i] = v[j] as number;
  v[j] = t;
}

/**
 * Reorders v[lo..hi] so that v[k] holds the value a sort would put there, everything
 * left of k is ≤ it and everything right of it is ≥ it (Hoare's selection, median-of-three
 * pivot).
 */
function selectInPlace(v: Float64Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    if ((v[mid] as number) < (v[lo] as number)) swap(v, mid, lo);
    if ((v[hi] as number) < (v[lo] as number)) swap(v, hi, lo);
    if ((v[hi] as number) < (v[mid] as number)) swap(v, hi, mid);
    const pivot = v[mid] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((v[i] as number) < pivot) i++;
      while ((v[j] as number) > pivot) j--;
      if (i <= j) {
        swap(v, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * Writes to `out[j]` the type-7 quantile of `v` at probability `ps[j]`, the value
 * `quantile(v, ps[j], type = 7)` gives in R. `ps` must be ascending, within [0, 1];
 * `v` must be non-empty and free of NaN. Reorders `v` (no copy).
 */
export function quantilesInPlace(v: Float64Array, ps: readonly number[], out: Float64Array): void {
  const n = v.length;
  if (n === 0) throw new RangeError('quantiles of an empty sample');
  let from = 0;
  for (let j = 0; j < ps.length; j++) {
    const h = (n - 1) * (ps[j] as number);
    const k = Math.floor(h);
    // quantiles ascend, so order statistic k lies right of the previous one
    selectInPlace(v, k, from, n - 1);
    const a = v[k] as number;
    let b = a;
    if (h > k) {
      b = Number.POSITIVE_INFINITY;
      for (let i = k + 1; i < n; i++) if ((v[i] as number) < b) b = v[i] as number;
    }
    out[j] = a + (h - k) * (b - a);
    from = k;
  }
}
