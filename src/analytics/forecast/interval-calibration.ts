/**
 * Calibration of the model-based intervals of automatic ETS (seasons up to 24) from the
 * fit's own in-sample errors, measured in docs/forecast-speed-and-calibration.md. Two
 * corrections of what the model assumes: that its error variance is the same over the
 * whole history (real series get calmer or noisier over the years), and that errors are
 * normal (real errors have heavier tails, so the normal 80% interval is too wide beside
 * the 95% one).
 */
import type { EtsFit } from './ets-model.js';
import type { Forecast } from './forecast-result.js';
import { quantilesInPlace } from './select-quantiles.js';

/** Recent residuals weighed against all of them: the last this many seasons, … */
export const RECENT_SEASONS = 3;
/** … and at least this many observations (non-seasonal and short seasons). */
export const RECENT_MIN = 20;
/** Weight of the recent variance in the calibrated one (the rest: the whole history's). */
export const RECENT_WEIGHT = 0.5;
/** Bounds of the factor on the half-widths. */
const MIN_FACTOR = 0.5;
const MAX_FACTOR = 2;

/** The in-sample errors `calibrateEtsIntervals` uses. */
export interface InSampleErrors {
  /** One-step residuals (relative to the forecast under multiplicative error), oldest first. */
  readonly oneStep: Float64Array;
  /**
   * k-step errors (k = 1 … h) from every origin t ≥ m with k steps of data after it, each
   * divided by the mean absolute error of its horizon, pooled over horizons.
   */
  readonly pooled: Float64Array;
}

/**
 * Runs the fitted model over `y` with its parameters from its initial state, forecasting
 * 1 … h steps from every origin (as forecastEts from the final state), and collects the
 * errors: relative to the forecast under multiplicative error, absolute otherwise.
 */
export function inSampleErrors(fit: EtsFit, y: Float64Array, h: number): InSampleErrors {
  const { spec, alpha, beta, gamma } = fit;
  const m = spec.m;
  const hasTrend = spec.trend !== 'N';
  const phi = spec.trend === 'Ad' ? fit.phi : 1;
  const multSeason = spec.season === 'M';
  const hasSeason = spec.season !== 'N';
  const rel = spec.error === 'M';
  const seas = Float64Array.from(hasSeason ? fit.initial.season : [0]);
  const n = y.length;
  const oneStep = new Float64Array(n);
  // errs[(k − 1)·n + t]: the k-step error from origin t, for t ≥ m and t + k ≤ n
  const errs = new Float64Array(h * n);
  let l = fit.initial.level;
  let b = fit.initial.trend;
  for (let t = 0; t < n; t++) {
    let phiSum = 0;
    let pw = 1;
    for (let k = 1; k <= h && t + k <= n; k++) {
      pw *= phi;
      phiSum += pw;
      const q = l + (hasTrend ? phiSum * b : 0);
      const s = hasSeason ? (seas[(t + k - 1) % m] as number) : 0;
      const f = multSeason ? q * s : q + s;
      const d = (y[t + k - 1] as number) - f;
      const e = rel ? d / f : d;
      if (k === 1) oneStep[t] = e;
      errs[(k - 1) * n + t] = e;
    }
    const pos = t % m;
    const q = l + (hasTrend ? phi * b : 0);
    const s = hasSeason ? (seas[pos] as number) : 0;
    const yt = y[t] as number;
    const ln = q + alpha * ((multSeason ? yt / s : yt - s) - q);
    if (hasTrend) b = phi * b + (beta / alpha) * (ln - l - phi * b);
    l = ln;
    if (hasSeason) seas[pos] = s + gamma * ((multSeason ? yt / q : yt - q) - s);
  }
  const pooled = new Float64Array(Math.max(0, h * (n - m)));
  let size = 0;
  for (let k = 1; k <= h; k++) {
    const from = (k - 1) * n + m;
    const to = (k - 1) * n + n - k + 1; // origins t = m … n − k
    if (to <= from) continue;
    let mae = 0;
    for (let i = from; i < to; i++) mae += Math.abs(errs[i] as number);
    mae /= to - from;
    if (mae > 0 && Number.isFinite(mae))
      for (let i = from; i < to; i++) pooled[size++] = Math.abs(errs[i] as number) / mae;
  }
  return { oneStep, pooled: pooled.subarray(0, size) };
}

/** Observations of the recent window for season `m`. */
export const recentWindow = (m: number): number => Math.max(RECENT_SEASONS * m, RECENT_MIN);

/**
 * Recalibrates the intervals of `f`, forecast by `fit` after `y`, when `y` holds at least
 * two recent windows (recentWindow); otherwise returns `f` unchanged.
 * - Level: both intervals' half-widths (each side, around the mean) are multiplied by
 *   c = √(w·r + 1 − w), r = mean squared one-step residual over the recent window divided
 *   by that over all of `y`, w = RECENT_WEIGHT, c bounded to [0.5, 2].
 * - Shape: the 80% half-width becomes ρ times the 95% one on each side, ρ = ratio of the
 *   80% and 95% quantiles (type 7) of the pooled in-sample k-step errors (inSampleErrors),
 *   where normal errors give 1.2816 / 1.9600 = 0.654.
 */
export function calibrateEtsIntervals(fit: EtsFit, y: Float64Array, f: Forecast): Forecast {
  const h = f.mean.length;
  const w = recentWindow(fit.spec.m);
  if (y.length < 2 * w || h === 0) return f;
  const { oneStep, pooled } = inSampleErrors(fit, y, h);
  let all = 0;
  let recent = 0;
  for (let t = 0; t < oneStep.length; t++) {
    const e2 = (oneStep[t] as number) ** 2;
    all += e2;
    if (t >= oneStep.length - w) recent += e2;
  }
  const r = recent / w / (all / oneStep.length);
  const c = Number.isFinite(r)
    ? Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, Math.sqrt(RECENT_WEIGHT * r + 1 - RECENT_WEIGHT)))
    : 1;
  let rho = Number.NaN;
  if (pooled.length > 0) {
    const qs = new Float64Array(2);
    quantilesInPlace(pooled, [0.8, 0.95], qs);
    rho = (qs[0] as number) / (qs[1] as number);
  }
  const out = {
    mean: f.mean,
    lower80: new Float64Array(h),
    upper80: new Float64Array(h),
    lower95: new Float64Array(h),
    upper95: new Float64Array(h),
  };
  for (let i = 0; i < h; i++) {
    const mu = f.mean[i] as number;
    const lo95 = c * (mu - (f.lower95[i] as number));
    const up95 = c * ((f.upper95[i] as number) - mu);
    const shaped = rho > 0 && rho <= 1;
    out.lower95[i] = mu - lo95;
    out.upper95[i] = mu + up95;
    out.lower80[i] = mu - (shaped ? rho * lo95 : c * (mu - (f.lower80[i] as number)));
    out.upper80[i] = mu + (shaped ? rho * up95 : c * ((f.upper80[i] as number) - mu));
  }
  return out;
}
