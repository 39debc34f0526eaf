import type { EtsFit } from './ets-model.js';
import { type Forecast, Z80, Z95 } from './forecast-result.js';

/** Options of `forecastEts`. */
export interface ForecastEtsOptions {
  /** Sample paths for the intervals of models with multiplicative parts; default 2000. */
  readonly paths?: number;
  /** Seed of the simulation (deterministic intervals); default 42. */
  readonly seed?: number;
}

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

/** Type-7 quantile (R's default) of sorted `v`. */
function quantileSorted(v: Float64Array, p: number): number {
  const h = (v.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, v.length - 1);
  return (v[lo] as number) + (h - lo) * ((v[hi] as number) - (v[lo] as number));
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
  const rand = uniform(options.seed ?? 42);
  const sims = new Float64Array(paths * h);
  const seas = new Float64Array(Math.max(m, 1));
  const mult = spec.error === 'M';
  let spare = Number.NaN;
  const gauss = (): number => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = Number.NaN;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(rand()));
    const th = 2 * Math.PI * rand();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
  for (let p = 0; p < paths; p++) {
    let l = fit.final.level;
    let b = fit.final.trend;
    if (spec.season !== 'N') seas.set(fit.final.season);
    for (let i = 0; i < h; i++) {
      const q = l + (hasTrend ? phiT * b : 0);
      const k = i % m;
      const s = spec.season === 'N' ? 0 : (seas[k] as number);
      const f = spec.season === 'M' ? q * s : q + s;
      const e = sigma * gauss();
      const y = mult ? f * (1 + e) : f + e;
      sims[i * paths + p] = y;
      const pv = spec.season === 'M' ? y / s : y - s;
      const ln = q + alpha * (pv - q);
      if (hasTrend) b = phiT * b + (beta / alpha) * (ln - l - phiT * b);
      l = ln;
      if (spec.season !== 'N') seas[k] = s + gamma * ((spec.season === 'M' ? y / q : y - q) - s);
    }
  }
  for (let i = 0; i < h; i++) {
    const col = sims.subarray(i * paths, (i + 1) * paths).sort();
    lower80[i] = quantileSorted(col, 0.1);
    upper80[i] = quantileSorted(col, 0.9);
    lower95[i] = quantileSorted(col, 0.025);
    upper95[i] = quantileSorted(col, 0.975);
  }
  return { mean, lower80, upper80, lower95, upper95 };
}
