/**
 * A smooth seasonal component from a few harmonics, for long seasons (weekly data with a
 * yearly season) where a state per season position would be fitted from a handful of
 * cycles. The series is detrended by a centred moving average over one season, the
 * detrended values are regressed on K pairs of Fourier terms, and K (0 … maxHarmonics)
 * is chosen by AICc, so a series without a season gets K = 0 and is left unchanged.
 */

/** Default largest number of harmonic pairs tried by `fourierSeason`. */
export const DEFAULT_MAX_HARMONICS = 12;

/** A seasonal component: multiplicative (ratios around 1) or additive (around 0). */
export interface FourierSeason {
  readonly kind: 'additive' | 'multiplicative';
  /** Harmonic pairs chosen (0: no season). */
  readonly harmonics: number;
  /** Seasonal period. */
  readonly m: number;
  /** The component at time t (0 = first observation; t ≥ n extends it into the forecast). */
  at(t: number): number;
}

/**
 * Centred moving average of one season (2×m for even m, as classical decomposition):
 * NaN for the first and last ⌊m/2⌋ positions.
 */
export function centredMovingAverage(y: ArrayLike<number>, m: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(n).fill(Number.NaN);
  const half = Math.floor(m / 2);
  const even = m % 2 === 0;
  for (let t = half; t < n - half; t++) {
    let s = 0;
    if (even) {
      s = 0.5 * ((y[t - half] as number) + (y[t + half] as number));
      for (let j = -half + 1; j < half; j++) s += y[t + j] as number;
    } else for (let j = -half; j <= half; j++) s += y[t + j] as number;
    out[t] = s / m;
  }
  return out;
}

/** Solves the symmetric positive definite system A·x = b (row-major p×p) by Cholesky; undefined when singular. */
function solveSpd(a: Float64Array, b: Float64Array, p: number): Float64Array | undefined {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * p + k] as number) * (l[j * p + k] as number);
      if (i === j) {
        if (!(s > 1e-12 * Math.max(1, Math.abs(a[i * p + i] as number)))) return undefined;
        l[i * p + i] = Math.sqrt(s);
      } else l[i * p + j] = s / (l[j * p + j] as number);
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * p + k] as number) * (z[k] as number);
    z[i] = s / (l[i * p + i] as number);
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i] as number;
    for (let k = i + 1; k < p; k++) s -= (l[k * p + i] as number) * (x[k] as number);
    x[i] = s / (l[i * p + i] as number);
  }
  return x;
}

/** Value of column c (0: intercept; 2k−1, 2k: cos, sin of harmonic k) at time t. */
function column(c: number, t: number, m: number): number {
  if (c === 0) return 1;
  const k = Math.ceil(c / 2);
  const w = (2 * Math.PI * k * t) / m;
  return c % 2 === 1 ? Math.cos(w) : Math.sin(w);
}

/**
 * Estimates the seasonal component of `y` with period `m` (see the module comment):
 * multiplicative when every value is positive (and the fitted ratios stay positive),
 * additive otherwise. Needs two full seasons; with fewer, or when no harmonic improves the
 * AICc, returns the empty season (K = 0: 1 or 0 everywhere).
 */
export function fourierSeason(
  y: ArrayLike<number>,
  m: number,
  maxHarmonics = DEFAULT_MAX_HARMONICS,
): FourierSeason {
  const n = y.length;
  let positive = true;
  for (let i = 0; i < n; i++) if (!((y[i] as number) > 0)) positive = false;
  const none = (kind: FourierSeason['kind']): FourierSeason => ({
    kind,
    harmonics: 0,
    m,
    at: () => (kind === 'multiplicative' ? 1 : 0),
  });
  if (m < 2 || n < 2 * m) return none(positive ? 'multiplicative' : 'additive');
  const trend = centredMovingAverage(y, m);
  for (const kind of positive
    ? (['multiplicative', 'additive'] as const)
    : (['additive'] as const)) {
    const ts: number[] = [];
    const d: number[] = [];
    for (let t = 0; t < n; t++) {
      const tr = trend[t] as number;
      if (!Number.isFinite(tr) || (kind === 'multiplicative' && !(tr > 0))) continue;
      ts.push(t);
      d.push(kind === 'multiplicative' ? (y[t] as number) / tr : (y[t] as number) - tr);
    }
    const nn = d.length;
    const kMax = Math.min(maxHarmonics, Math.floor((m - 1) / 2));
    let best: { k: number; coef: Float64Array; aicc: number } | undefined;
    for (let k = 0; k <= kMax; k++) {
      const p = 2 * k + 1;
      if (nn - p - 1 <= 0) break;
      const a = new Float64Array(p * p);
      const b = new Float64Array(p);
      const row = new Float64Array(p);
      for (let i = 0; i < nn; i++) {
        for (let c = 0; c < p; c++) row[c] = column(c, ts[i] as number, m);
        for (let r = 0; r < p; r++) {
          b[r] = (b[r] as number) + (row[r] as number) * (d[i] as number);
          for (let c = 0; c <= r; c++)
            a[r * p + c] = (a[r * p + c] as number) + (row[r] as number) * (row[c] as number);
        }
      }
      for (let r = 0; r < p; r++)
        for (let c = r + 1; c < p; c++) a[r * p + c] = a[c * p + r] as number;
      const coef = solveSpd(a, b, p);
      if (!coef) break;
      let sse = 0;
      for (let i = 0; i < nn; i++) {
        let f = 0;
        for (let c = 0; c < p; c++) f += (coef[c] as number) * column(c, ts[i] as number, m);
        sse += ((d[i] as number) - f) ** 2;
      }
      const aicc =
        nn * Math.log(Math.max(sse, 1e-300) / nn) + 2 * p + (2 * p * (p + 1)) / (nn - p - 1);
      if (!best || aicc < best.aicc) best = { k, coef, aicc };
    }
    if (!best || best.k === 0) return none(kind);
    const { k, coef } = best;
    const p = 2 * k + 1;
    const c0 = coef[0] as number;
    const at = (t: number): number => {
      let s = 0;
      for (let c = 1; c < p; c++) s += (coef[c] as number) * column(c, t, m);
      return kind === 'multiplicative' ? (c0 + s) / c0 : s;
    };
    if (kind === 'multiplicative') {
      let ok = c0 > 0;
      for (let t = 0; t < m && ok; t++) if (!(at(t) > 0.05)) ok = false;
      if (!ok) continue;
    }
    return { kind, harmonics: k, m, at };
  }
  return none('additive');
}

/** `y` with the season taken out: y/s (multiplicative) or y − s (additive). */
export function seasonallyAdjust(y: ArrayLike<number>, season: FourierSeason): Float64Array {
  const out = new Float64Array(y.length);
  for (let t = 0; t < y.length; t++)
    out[t] =
      season.kind === 'multiplicative'
        ? (y[t] as number) / season.at(t)
        : (y[t] as number) - season.at(t);
  return out;
}
