import type { EtsFit } from './ets-model.js';
import { type Forecast, Z80, Z95 } from './forecast-result.js';
import { quantilesInPlace } from './select-quantiles.js';

/** Options of `forecastEts`. */
export interface ForecastEtsOptions {
  /** Sample paths for the intervals of models with multiplicative parts; default 2000. */
  readonly paths?: number;
  /** Seed of the simulation (deterministic intervals); default 42. */
  readonly seed?: number;
}

/** Probabilities of the simulated interval bounds, ascending: lower 95, lower 80, upper 80, upper 95. */
const QUANTILES = [0.025, 0.1, 0.9, 0.975] as const;

/** mulberry32 uniform in (0, 1). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
}

/**
 * The first `n` draws of the seeded Box–Muller stream, kept between calls: every forecast
 * with the same seed draws the same normals, and drawing them anew took a quarter of the
 * simulation's time. A memo of a pure function (one per thread), not shared state.
 */
let normals: { seed: number; z: Float64Array } | undefined;
function standardNormals(seed: number, n: number): Float64Array {
  if (normals && normals.seed === seed && normals.z.length >= n) return normals.z;
  const z = new Float64Array(Math.max(n + (n & 1), normals?.seed === seed ? normals.z.length : 0));
  const rand = uniform(seed);
  for (let i = 0; i < z.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rand()));
    const th = 2 * Math.PI * rand();
    z[i] = r * Math.cos(th);
    z[i + 1] = r * Math.sin(th);
  }
  normals = { seed, z };
  return z;
}

/**
 * Forecasts `h` steps from a fitted model: the point forecast is the model's
 * deterministic projection (R's). Intervals are analytic for the linear models (additive
 * error, no multiplicative season: var = σ²(1 + Σ c_j²), c_j = α + βφ_j + γ·[j mod m = 0],
 * Hyndman et al. 2008, ch. 6) and simulated from the fitted model otherwise.
 */
export function forecastEts(fit: EtsFit, h: number, options: ForecastEtsOptions = {}): Forecast {
  const { spec, alpha, beta, gamma, phi } = fit;
  const m = spec.m;
  const hasTrend = spec.trend !== 'N';
  const phiT = spec.trend === 'Ad' ? phi : 1;
  const mean = new Float64Array(h);
  let phiSum = 0;
  let pw = 1;
  for (let i = 0; i < h; i++) {
    pw *= phiT;
    phiSum += pw;
    const q = fit.final.level + (hasTrend ? phiSum * fit.final.trend : 0);
    const s = spec.season === 'N' ? 0 : (fit.final.season[i % m] as number);
    mean[i] = spec.season === 'M' ? q * s : q + s;
  }
  const lower80 = new Float64Array(h);
  const upper80 = new Float64Array(h);
  const lower95 = new Float64Array(h);
  const upper95 = new Float64Array(h);
  const sigma = Math.sqrt(Math.max(fit.sigma2, 0));
  if (spec.error === 'A' && spec.season !== 'M') {
    let acc = 0;
    let phiJ = 0;
    let pj = 1;
    for (let i = 0; i < h; i++) {
      const sd = sigma * Math.sqrt(1 + acc);
      lower80[i] = (mean[i] as number) - Z80 * sd;
      upper80[i] = (mean[i] as number) + Z80 * sd;
      lower95[i] = (mean[i] as number) - Z95 * sd;
      upper95[i] = (mean[i] as number) + Z95 * sd;
      const j = i + 1;
      pj *= phiT;
      phiJ += pj;
      const c =
        alpha + (hasTrend ? beta * phiJ : 0) + (spec.season !== 'N' && j % m === 0 ? gamma : 0);
      acc += c * c;
    }
    return { mean, lower80, upper80, lower95, upper95 };
  }
  const paths = options.paths ?? 2000;
  const sims = new Float64Array(paths * h);
  const seas = new Float64Array(Math.max(m, 1));
  const mult = spec.error === 'M';
  const z = standardNormals(options.seed ?? 42, paths * h);
  let zi = 0;
  for (let p = 0; p < paths; p++) {
    let l = fit.final.level;
    let b = fit.final.trend;
    if (spec.season !== 'N') seas.set(fit.final.season);
    for (let i = 0; i < h; i++) {
      const q = l + (hasTrend ? phiT * b : 0);
      const k = i % m;
      const s = spec.season === 'N' ? 0 : (seas[k] as number);
      const f = spec.season === 'M' ? q * s : q + s;
      const e = sigma * (z[zi++] as number);
      const y = mult ? f * (1 + e) : f + e;
      sims[i * paths + p] = y;
      const pv = spec.season === 'M' ? y / s : y - s;
      const ln = q + alpha * (pv - q);
      if (hasTrend) b = phiT * b + (beta / alpha) * (ln - l - phiT * b);
      l = ln;
      if (spec.season !== 'N') seas[k] = s + gamma * ((spec.season === 'M' ? y / q : y - q) - s);
    }
  }
  const qs = new Float64Array(QUANTILES.length);
  for (let i = 0; i < h; i++) {
    quantilesInPlace(sims.subarray(i * paths, (i + 1) * paths), QUANTILES, qs);
    lower95[i] = qs[0] as number;
    lower80[i] = qs[1] as number;
    upper80[i] = qs[2] as number;
    upper95[i] = qs[3] as number;
  }
  return { mean, lower80, upper80, lower95, upper95 };
}
