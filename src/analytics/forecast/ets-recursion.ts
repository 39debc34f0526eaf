/**
 * The hot loop of ETS fitting: one pass of the state recursion over the data, as R's
 * `etscalc`. The update equations are the same for additive and multiplicative error
 * (error correction written in Holt–Winters form); only the likelihood differs.
 * No allocation: the caller owns the seasonal scratch buffer.
 */

/** Numeric codes so the loop branches on small integers. */
export const TREND_NONE = 0;
export const TREND_ADD = 1;
export const SEASON_NONE = 0;
export const SEASON_ADD = 1;
export const SEASON_MULT = 2;

/** Result of a pass when `out` is given: final states. */
export interface RecursionOut {
  level: number;
  trend: number;
  /** Position in `seas` of the seasonal index for the next observation. */
  pos: number;
  sse: number;
}

/** Final states of a pass whose caller did not ask for them (no allocation per pass). */
const scratch: RecursionOut = { level: 0, trend: 0, pos: 0, sse: 0 };

/**
 * Runs the recursion over `y[0..n)` from the initial level `l0`, trend `b0` and seasonal
 * indices `seas[0..m)` (seas[k] = index of cycle position k; `seas` is overwritten with
 * the final indices, rotated by `n mod m`). Returns R's objective
 * n·log(SSE) + 2·Σlog|ŷ| (the last term only when `multErr`), clamped below at −1e10,
 * or +Infinity when a forecast is not positive under multiplicative error or the result
 * is not a number. One small loop per season type, so each compiles tight.
 */
export function etsObjective(
  y: Float64Array,
  n: number,
  trend: number,
  season: number,
  multErr: boolean,
  alpha: number,
  beta: number,
  gamma: number,
  phi: number,
  l0: number,
  b0: number,
  seas: Float64Array,
  m: number,
  out?: RecursionOut,
): number {
  const hasTrend = trend !== TREND_NONE;
  const phiB = hasTrend ? phi : 0;
  const bo = hasTrend ? beta / alpha : 0;
  const b = hasTrend ? b0 : 0;
  const o = out ?? scratch;
  let logf: number;
  if (season === SEASON_NONE) logf = loopNone(y, n, multErr, alpha, bo, phiB, l0, b, o);
  else if (season === SEASON_ADD)
    logf = loopAdd(y, n, multErr, alpha, bo, gamma, phiB, l0, b, seas, m, o);
  else logf = loopMult(y, n, multErr, alpha, bo, gamma, phiB, l0, b, seas, m, o);
  if (logf === Number.POSITIVE_INFINITY) return logf;
  let lik = n * Math.log(o.sse) + (multErr ? 2 * logf : 0);
  if (lik < -1e10) lik = -1e10;
  return Number.isNaN(lik) ? Number.POSITIVE_INFINITY : lik;
}

// The loops return Σ log f (0 for additive error) or +Infinity for a non-positive forecast
// under multiplicative error, and leave the final state and SSE in `o`. Σ log f is taken as
// log Π f once per 8 steps: a product of 8 positive doubles stays finite for forecasts
// within 1e±38. With a multiplicative season, one division per step: r = y/f gives
// y/s = q·r and y/q = s·r.

function loopNone(
  y: Float64Array,
  n: number,
  multErr: boolean,
  alpha: number,
  bo: number,
  phiB: number,
  l0: number,
  b0: number,
  o: RecursionOut,
): number {
  let l = l0;
  let b = b0;
  let sse = 0;
  let logf = 0;
  let prod = 1;
  let chunk = 0;
  for (let t = 0; t < n; t++) {
    const q = l + phiB * b;
    const yt = y[t] as number;
    let e = yt - q;
    if (multErr) {
      if (!(q > 0)) return Number.POSITIVE_INFINITY;
      e /= q;
      prod *= q;
      if (++chunk === 8) {
        logf += Math.log(prod);
        prod = 1;
        chunk = 0;
      }
    }
    sse += e * e;
    const ln = q + alpha * (yt - q);
    b = phiB * b + bo * (ln - l - phiB * b);
    l = ln;
  }
  o.level = l;
  o.trend = b;
  o.pos = 0;
  o.sse = sse;
  return chunk > 0 ? logf + Math.log(prod) : logf;
}

function loopAdd(
  y: Float64Array,
  n: number,
  multErr: boolean,
  alpha: number,
  bo: number,
  gamma: number,
  phiB: number,
  l0: number,
  b0: number,
  seas: Float64Array,
  m: number,
  o: RecursionOut,
): number {
  let l = l0;
  let b = b0;
  let pos = 0;
  let sse = 0;
  let logf = 0;
  let prod = 1;
  let chunk = 0;
  for (let t = 0; t < n; t++) {
    const q = l + phiB * b;
    const s = seas[pos] as number;
    const f = q + s;
    const yt = y[t] as number;
    let e = yt - f;
    if (multErr) {
      if (!(f > 0)) return Number.POSITIVE_INFINITY;
      e /= f;
      prod *= f;
      if (++chunk === 8) {
        logf += Math.log(prod);
        prod = 1;
        chunk = 0;
      }
    }
    sse += e * e;
    const ln = q + alpha * (yt - s - q);
    b = phiB * b + bo * (ln - l - phiB * b);
    l = ln;
    seas[pos] = s + gamma * (yt - q - s);
    pos = pos + 1 === m ? 0 : pos + 1;
  }
  o.level = l;
  o.trend = b;
  o.pos = pos;
  o.sse = sse;
  return chunk > 0 ? logf + Math.log(prod) : logf;
}

function loopMult(
  y: Float64Array,
  n: number,
  multErr: boolean,
  alpha: number,
  bo: number,
  gamma: number,
  phiB: number,
  l0: number,
  b0: number,
  seas: Float64Array,
  m: number,
  o: RecursionOut,
): number {
  let l = l0;
  let b = b0;
  let pos = 0;
  let sse = 0;
  let logf = 0;
  let prod = 1;
  let chunk = 0;
  for (let t = 0; t < n; t++) {
    const q = l + phiB * b;
    const s = seas[pos] as number;
    const f = q * s;
    const yt = y[t] as number;
    if (multErr && !(f > 0)) return Number.POSITIVE_INFINITY;
    const r = yt / f;
    const e = multErr ? r - 1 : yt - f;
    if (multErr) {
      prod *= f;
      if (++chunk === 8) {
        logf += Math.log(prod);
        prod = 1;
        chunk = 0;
      }
    }
    sse += e * e;
    const ln = q + alpha * (q * r - q);
    b = phiB * b + bo * (ln - l - phiB * b);
    l = ln;
    seas[pos] = s + gamma * (s * r - s);
    pos = pos + 1 === m ? 0 : pos + 1;
  }
  o.level = l;
  o.trend = b;
  o.pos = pos;
  o.sse = sse;
  return chunk > 0 ? logf + Math.log(prod) : logf;
}
