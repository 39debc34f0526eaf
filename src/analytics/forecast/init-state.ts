import type { SeasonType, TrendType } from './ets-model.js';

/** Heuristic initial states, as R's `forecast:::initstate`. */
export interface InitialStates {
  level: number;
  trend: number;
  /** Seasonal index per cycle position of the first observation (length m; empty when none). */
  season: Float64Array;
}

/** Classical decomposition (R's `decompose`) of the first `len` points: the seasonal figure. */
function decomposeFigure(
  y: ArrayLike<number>,
  len: number,
  m: number,
  mult: boolean,
): Float64Array {
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  const even = m % 2 === 0;
  const h = Math.floor(m / 2);
  for (let i = h; i < len - h; i++) {
    let tr = 0;
    if (even) {
      tr = 0.5 * ((y[i - h] as number) + (y[i + h] as number));
      for (let k = -h + 1; k <= h - 1; k++) tr += y[i + k] as number;
    } else {
      for (let k = -h; k <= h; k++) tr += y[i + k] as number;
    }
    tr /= m;
    const v = y[i] as number;
    sums[i % m] = (sums[i % m] as number) + (mult ? v / tr : v - tr);
    counts[i % m] = (counts[i % m] as number) + 1;
  }
  const fig = new Float64Array(m);
  let mean = 0;
  for (let k = 0; k < m; k++) {
    fig[k] = (sums[k] as number) / (counts[k] as number);
    mean += fig[k] as number;
  }
  mean /= m;
  for (let k = 0; k < m; k++) fig[k] = mult ? (fig[k] as number) / mean : (fig[k] as number) - mean;
  return fig;
}

/** Least squares of `y` on the given regressor columns (with intercept); returns coefficients. */
function leastSquares(y: ArrayLike<number>, cols: Float64Array[], len: number): number[] {
  const k = cols.length + 1;
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  const row = new Array<number>(k);
  for (let i = 0; i < len; i++) {
    row[0] = 1;
    for (let c = 0; c < cols.length; c++) row[c + 1] = (cols[c] as Float64Array)[i] as number;
    for (let a = 0; a < k; a++) {
      xty[a] = (xty[a] as number) + (row[a] as number) * (y[i] as number);
      const ra = xtx[a] as number[];
      for (let c = 0; c < k; c++)
        ra[c] = (ra[c] as number) + (row[a] as number) * (row[c] as number);
    }
  }
  // Gaussian elimination with partial pivoting.
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++)
      if (
        Math.abs((xtx[r] as number[])[c] as number) > Math.abs((xtx[piv] as number[])[c] as number)
      )
        piv = r;
    [xtx[c], xtx[piv]] = [xtx[piv] as number[], xtx[c] as number[]];
    [xty[c], xty[piv]] = [xty[piv] as number, xty[c] as number];
    const d = (xtx[c] as number[])[c] as number;
    if (d === 0) continue;
    for (let r = c + 1; r < k; r++) {
      const f = ((xtx[r] as number[])[c] as number) / d;
      for (let j = c; j < k; j++)
        (xtx[r] as number[])[j] =
          ((xtx[r] as number[])[j] as number) - f * ((xtx[c] as number[])[j] as number);
      xty[r] = (xty[r] as number) - f * (xty[c] as number);
    }
  }
  const beta = new Array<number>(k).fill(0);
  for (let c = k - 1; c >= 0; c--) {
    let s = xty[c] as number;
    for (let j = c + 1; j < k; j++) s -= ((xtx[c] as number[])[j] as number) * (beta[j] as number);
    const d = (xtx[c] as number[])[c] as number;
    beta[c] = d === 0 ? 0 : s / d;
  }
  return beta;
}

/**
 * R's heuristic: seasonal indices from a classical decomposition of the first three
 * cycles (a trend + one-harmonic Fourier regression when there are fewer), then level
 * and trend from a regression on the first max(10, 2m) seasonally adjusted points.
 */
export function initialStates(
  y: ArrayLike<number>,
  n: number,
  trend: TrendType,
  season: SeasonType,
  m: number,
): InitialStates {
  let sa: Float64Array;
  let fig: Float64Array = new Float64Array(0);
  let period = 1;
  if (season !== 'N') {
    period = m;
    const mult = season === 'M';
    if (n < 3 * m) {
      const t = new Float64Array(n);
      const sn = new Float64Array(n);
      const cs = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        t[i] = i + 1;
        sn[i] = Math.sin((2 * Math.PI * (i + 1)) / m);
        cs[i] = Math.cos((2 * Math.PI * (i + 1)) / m);
      }
      const c = leastSquares(y, [t, sn, cs], n);
      fig = new Float64Array(m);
      for (let k = 0; k < m && k < n; k++) {
        const base = (c[0] as number) + (c[1] as number) * (k + 1);
        fig[k] = mult ? (y[k] as number) / base : (y[k] as number) - base;
      }
    } else {
      fig = decomposeFigure(y, 3 * m, m, mult);
    }
    if (mult) {
      // R: no negative indices; s0..s(m-2) rescaled when they sum past m.
      let sum = 0;
      for (let k = 1; k < m; k++) {
        fig[k] = Math.max(fig[k] as number, 1e-2);
        sum += fig[k] as number;
      }
      if (sum > m) {
        let sum2 = 0;
        for (let k = 1; k < m; k++) sum2 += (fig[k] as number) + 1e-2;
        for (let k = 1; k < m; k++) fig[k] = (fig[k] as number) / sum2;
      }
    }
    sa = new Float64Array(n);
    for (let i = 0; i < n; i++)
      sa[i] = mult
        ? (y[i] as number) / Math.max(fig[i % m] as number, 1e-2)
        : (y[i] as number) - (fig[i % m] as number);
    // The first index is implied by the others (normalisation), as in R's parameter vector.
    let rest = 0;
    for (let k = 1; k < m; k++) rest += fig[k] as number;
    fig[0] = (mult ? m : 0) - rest;
  } else {
    sa = Float64Array.from({ length: n }, (_, i) => y[i] as number);
  }
  const maxn = Math.min(Math.max(10, 2 * period), n);
  if (trend === 'N') {
    let s = 0;
    for (let i = 0; i < maxn; i++) s += sa[i] as number;
    return { level: s / maxn, trend: 0, season: fig };
  }
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < maxn; i++) {
    const x = i + 1;
    sx += x;
    sy += sa[i] as number;
    sxx += x * x;
    sxy += x * (sa[i] as number);
  }
  const slope = maxn > 1 ? (maxn * sxy - sx * sy) / (maxn * sxx - sx * sx) : 0;
  let l0 = (sy - slope * sx) / maxn;
  let b0 = slope;
  if (Math.abs(l0 + b0) < 1e-8) {
    l0 *= 1 + 1e-3;
    b0 *= 1 - 1e-3;
  }
  return { level: l0, trend: b0, season: fig };
}
