/**
 * Forecast accuracy measures of the evaluate protocol (as in the M4 competition).
 */

/**
 * In-sample mean absolute error of the seasonal naive with lag m on `train` (the MASE
 * scale): mean of |y(t) − y(t−m)| for t = m … n−1. NaN when n ≤ m.
 */
export function maseScale(train: ArrayLike<number>, m: number): number {
  const n = train.length;
  if (n <= m) return Number.NaN;
  let s = 0;
  for (let t = m; t < n; t++) s += Math.abs((train[t] as number) - (train[t - m] as number));
  return s / (n - m);
}

/** Mean absolute scaled error: mean |y − f| / scale. NaN when the scale is 0 or NaN. */
export function mase(
  actual: ArrayLike<number>,
  forecast: ArrayLike<number>,
  scale: number,
): number {
  if (!(scale > 0)) return Number.NaN;
  let s = 0;
  for (let i = 0; i < actual.length; i++)
    s += Math.abs((actual[i] as number) - (forecast[i] as number));
  return s / actual.length / scale;
}

/**
 * Symmetric MAPE in percent (M4): (200/h) · Σ |y − f| / (|y| + |f|); a term with
 * y = f = 0 counts 0. Range 0 … 200.
 */
export function smape(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    const f = forecast[i] as number;
    const d = Math.abs(y) + Math.abs(f);
    if (d > 0) s += Math.abs(y - f) / d;
  }
  return (200 * s) / actual.length;
}

/** Share (0 … 1) of actuals inside [lower, upper], bounds included. */
export function coverage(
  actual: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
): number {
  let c = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    if (y >= (lower[i] as number) && y <= (upper[i] as number)) c++;
  }
  return c / actual.length;
}

/**
 * Mean scaled interval score of M4 for a central (1 − alpha) interval (default alpha 0.05,
 * the 95% interval): mean of (U − L) + (2/alpha)·(L − y)·[y < L] + (2/alpha)·(y − U)·[y > U],
 * divided by `scale` (the MASE scale). Lower is better; NaN when the scale is 0 or NaN.
 */
export function msis(
  actual: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  scale: number,
  alpha = 0.05,
): number {
  if (!(scale > 0)) return Number.NaN;
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    const l = lower[i] as number;
    const u = upper[i] as number;
    s += u - l;
    if (y < l) s += (2 / alpha) * (l - y);
    if (y > u) s += (2 / alpha) * (y - u);
  }
  return s / actual.length / scale;
}
