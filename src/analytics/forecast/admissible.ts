/**
 * Parameter space of R's `ets(bounds = "both")`: the usual region (box bounds, β < α,
 * γ < 1 − α) intersected with the admissible (forecastable) region.
 */

/** R's default bounds: lower and upper for α, β, γ, φ. */
export const LOWER = { alpha: 1e-4, beta: 1e-4, gamma: 1e-4, phi: 0.8 } as const;
export const UPPER = { alpha: 0.9999, beta: 0.9999, gamma: 0.9999, phi: 0.98 } as const;

/** Roots on the unit circle pass (R allows |root| ≤ 1 + 1e-10; Schur–Cohn needs more slack). */
const ROOT_SLACK = 1 + 1e-6;

/** Scratch of the Schur–Cohn test (grown on demand): the test runs once per objective evaluation. */
let work = new Float64Array(64);
let next = new Float64Array(64);

/**
 * Schur–Cohn test: every root of Σ c[i]·z^i (c[0..len), c[len−1] ≠ 0) has modulus below
 * ROOT_SLACK (tested as the roots of p(ROOT_SLACK·z) strictly inside the unit circle).
 * Reads `coef` (which may be `work` itself) and allocates nothing once the scratch is big enough.
 */
function rootsInsideUnitCircle(coef: Float64Array, len: number): boolean {
  if (work.length < len) {
    work = new Float64Array(len);
    next = new Float64Array(len);
  }
  let a = work;
  let b = next;
  let r = 1;
  for (let i = 0; i < len; i++) {
    a[i] = (coef[i] as number) * r;
    r *= ROOT_SLACK;
  }
  for (let size = len; size > 1; size--) {
    const n = size - 1;
    const a0 = a[0] as number;
    const an = a[n] as number;
    if (Math.abs(a0) >= Math.abs(an)) return false;
    // p_{k-1}(z) = (an·p(z) − a0·p*(z)) / z
    for (let i = 1; i <= n; i++) b[i - 1] = an * (a[i] as number) - a0 * (a[n - i] as number);
    // Keep it monic: the raw recursion squares magnitudes each step and underflows.
    const lead = b[n - 1] as number;
    for (let i = 0; i < n; i++) b[i] = (b[i] as number) / lead;
    const t = a;
    a = b;
    b = t;
  }
  return true;
}

/** Coefficients of the seasonal characteristic polynomial (scratch, grown on demand). */
let coefs = new Float64Array(64);

/**
 * True when (α, β, γ, φ) is inside R's parameter space for a model with the given
 * components (β, γ, φ undefined when absent) and seasonal period m.
 */
export function checkParams(
  alpha: number,
  beta: number | undefined,
  gamma: number | undefined,
  phi: number | undefined,
  m: number,
): boolean {
  if (alpha < LOWER.alpha || alpha > UPPER.alpha) return false;
  if (beta !== undefined && (beta < LOWER.beta || beta > alpha || beta > UPPER.beta)) return false;
  if (phi !== undefined && (phi < LOWER.phi || phi > UPPER.phi)) return false;
  if (gamma !== undefined && (gamma < LOWER.gamma || gamma > 1 - alpha || gamma > UPPER.gamma))
    return false;
  return admissible(alpha, beta, gamma, phi, m);
}

/** R's `admissible()`: the forecastability conditions of Hyndman et al. (2008, ch. 10). */
export function admissible(
  alpha: number,
  beta: number | undefined,
  gamma: number | undefined,
  phiIn: number | undefined,
  m: number,
): boolean {
  const phi = phiIn ?? 1;
  if (phi < 0 || phi > 1 + 1e-8) return false;
  if (gamma === undefined) {
    if (alpha < 1 - 1 / phi || alpha > 1 + 1 / phi) return false;
    if (beta !== undefined && (beta < alpha * (phi - 1) || beta > (1 + phi) * (2 - alpha)))
      return false;
    return true;
  }
  if (m <= 1) return true;
  const b = beta ?? 0;
  if (gamma < Math.max(1 - 1 / phi - alpha, 0) || gamma > 1 + 1 / phi - alpha) return false;
  if (alpha < 1 - 1 / phi - (gamma * (1 - m + phi + phi * m)) / (2 * phi * m)) return false;
  if (b < -(1 - phi) * (gamma / m + alpha)) return false;
  const len = m + 2;
  if (coefs.length < len) coefs = new Float64Array(len);
  const c = coefs;
  c[0] = phi * (1 - alpha - gamma);
  c[1] = alpha + b - alpha * phi + gamma - 1;
  for (let i = 0; i < m - 2; i++) c[2 + i] = alpha + b - alpha * phi;
  c[m] = alpha + b - phi;
  c[m + 1] = 1;
  return rootsInsideUnitCircle(c, len);
}
