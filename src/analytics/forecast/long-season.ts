import { type AutoEtsOptions, autoEts } from './auto-ets.js';
import { forecastEts } from './ets-forecast.js';
import { fitEts } from './fit-ets.js';
import type { Forecast } from './forecast-result.js';
import { type FourierSeason, fourierSeason, seasonallyAdjust } from './fourier-season.js';
import { seasonalNaive } from './seasonal-naive.js';
import { thetaForecast } from './theta.js';

/**
 * The candidate families for long seasons, in the order ties are broken: seasonal naive;
 * automatic non-seasonal ETS on the raw series (what R's `ets()` does above m = 24);
 * damped trend ETS(A,Ad,N) on the raw series; and on the series with its Fourier season
 * taken out (fourierSeason), automatic non-seasonal ETS, Theta, damped trend, and their
 * equal-weight combination (M4's "Comb"), each re-seasonalised.
 */
export const LONG_SEASON_FAMILIES = [
  'SNaive',
  'ETS',
  'Damped',
  'Fourier+ETS',
  'Fourier+Theta',
  'Fourier+Damped',
  'Fourier+Comb',
] as const;
export type LongSeasonFamily = (typeof LONG_SEASON_FAMILIES)[number];

/** Default rolling origins of the validation that chooses a family. */
export const DEFAULT_VALIDATION_ORIGINS = 5;

/** The chosen family's forecast and every family's validation error. */
export interface LongSeasonResult {
  /** e.g. `Fourier+Theta (K=4)` or `ETS(A,Ad,N)`. */
  readonly model: string;
  readonly family: LongSeasonFamily;
  readonly forecast: Forecast;
  /** Mean absolute validation error per family (Infinity: not fitted, NaN: no validation). */
  readonly validation: Readonly<Record<LongSeasonFamily, number>>;
  readonly evaluations: number;
}

interface Candidate {
  readonly forecast: Forecast;
  readonly model: string;
}

/** Puts the season `s` back on a forecast of the adjusted series made after `n` observations. */
export function reseason(f: Forecast, s: FourierSeason, n: number): Forecast {
  const h = f.mean.length;
  const map = (v: Float64Array) => {
    const out = new Float64Array(h);
    for (let i = 0; i < h; i++)
      out[i] =
        s.kind === 'multiplicative'
          ? (v[i] as number) * s.at(n + i)
          : (v[i] as number) + s.at(n + i);
    return out;
  };
  return {
    mean: map(f.mean),
    lower80: map(f.lower80),
    upper80: map(f.upper80),
    lower95: map(f.lower95),
    upper95: map(f.upper95),
  };
}

function average(fs: readonly Forecast[]): Forecast {
  const h = (fs[0] as Forecast).mean.length;
  const avg = (key: keyof Forecast) => {
    const out = new Float64Array(h);
    for (const f of fs)
      for (let i = 0; i < h; i++) out[i] = (out[i] as number) + (f[key][i] as number) / fs.length;
    return out;
  };
  return {
    mean: avg('mean'),
    lower80: avg('lower80'),
    upper80: avg('upper80'),
    lower95: avg('lower95'),
    upper95: avg('upper95'),
  };
}

/** Fits every family on `y` and forecasts `h` steps; a family that cannot be fitted is absent. */
export function longSeasonCandidates(
  y: Float64Array,
  m: number,
  h: number,
  ets: Omit<AutoEtsOptions, 'm'> = {},
  families: ReadonlySet<LongSeasonFamily> = new Set(LONG_SEASON_FAMILIES),
): { candidates: Map<LongSeasonFamily, Candidate>; evaluations: number } {
  const out = new Map<LongSeasonFamily, Candidate>();
  let evaluations = 0;
  const n = y.length;
  if (families.has('SNaive'))
    out.set('SNaive', { forecast: seasonalNaive(y, m, h), model: `SNaive(${m})` });
  const etsOn = (x: Float64Array) => {
    const r = autoEts(x, { ...ets, m: 1 });
    evaluations += r.evaluations;
    return { forecast: forecastEts(r.fit, h), model: r.fit.name };
  };
  const dampedOn = (x: Float64Array) => {
    if (x.length < 8) return undefined;
    const f = fitEts(x, { error: 'A', trend: 'Ad', season: 'N', m: 1 }, { abstol: 0.5 });
    if (!f) return undefined;
    evaluations += f.evaluations;
    return { forecast: forecastEts(f, h), model: f.name };
  };
  if (families.has('ETS')) out.set('ETS', etsOn(y));
  if (families.has('Damped')) {
    const d = dampedOn(y);
    if (d) out.set('Damped', d);
  }
  const wantsFourier = [...families].some((f) => f.startsWith('Fourier+'));
  if (!wantsFourier) return { candidates: out, evaluations };
  const season = fourierSeason(y, m);
  const adj = seasonallyAdjust(y, season);
  const tag = `K=${season.harmonics}${season.kind === 'multiplicative' ? ',mult' : ''}`;
  const parts: Forecast[] = [];
  const needComb = families.has('Fourier+Comb');
  if (families.has('Fourier+ETS') || needComb) {
    const e = etsOn(adj);
    parts.push(e.forecast);
    if (families.has('Fourier+ETS'))
      out.set('Fourier+ETS', {
        forecast: reseason(e.forecast, season, n),
        model: `Fourier(${tag})+${e.model}`,
      });
  }
  if (families.has('Fourier+Theta') || needComb) {
    const t = thetaForecast(adj, h, { abstol: 0.5 });
    if (t) {
      evaluations += t.ses.evaluations;
      parts.push(t.forecast);
      if (families.has('Fourier+Theta'))
        out.set('Fourier+Theta', {
          forecast: reseason(t.forecast, season, n),
          model: `Fourier(${tag})+Theta`,
        });
    }
  }
  if (families.has('Fourier+Damped') || needComb) {
    const d = dampedOn(adj);
    if (d) {
      parts.push(d.forecast);
      if (families.has('Fourier+Damped'))
        out.set('Fourier+Damped', {
          forecast: reseason(d.forecast, season, n),
          model: `Fourier(${tag})+${d.model}`,
        });
    }
  }
  if (needComb && parts.length > 0)
    out.set('Fourier+Comb', {
      forecast: reseason(average(parts), season, n),
      model: `Fourier(${tag})+Comb(ETS,Theta,Damped)`,
    });
  return { candidates: out, evaluations };
}

/**
 * Forecasts a series with a long season (m > 24, e.g. weekly data with a yearly season),
 * where ETS with m free seasonal states overfits a few cycles. Every family of
 * LONG_SEASON_FAMILIES is fitted at `origins` rolling origins n − j·min(h, m), j = 1 …
 * origins (those leaving at least two seasons plus one horizon to fit on) and scored by
 * its mean absolute error over the next min(h, m) values; the family with the lowest
 * error is refitted on all of y. Without any usable origin, Fourier+Comb is used.
 */
export function longSeasonForecast(
  y: Float64Array,
  m: number,
  h: number,
  options: {
    readonly ets?: Omit<AutoEtsOptions, 'm'>;
    readonly origins?: number;
    /** Families to choose among; default all of LONG_SEASON_FAMILIES. */
    readonly families?: readonly LongSeasonFamily[];
  } = {},
): LongSeasonResult {
  const families = new Set(options.families ?? LONG_SEASON_FAMILIES);
  const n = y.length;
  const hv = Math.max(1, Math.min(h, m));
  const origins = options.origins ?? DEFAULT_VALIDATION_ORIGINS;
  const err = new Map<LongSeasonFamily, { sum: number; count: number }>();
  // Validation errors as multiples of the half-width of the 80% and 95% intervals.
  const rel80 = new Map<LongSeasonFamily, number[]>();
  const rel95 = new Map<LongSeasonFamily, number[]>();
  let evaluations = 0;
  for (let j = 1; j <= origins; j++) {
    const o = n - j * hv;
    if (o < 2 * m + hv) break;
    const { candidates, evaluations: ev } = longSeasonCandidates(
      y.subarray(0, o),
      m,
      hv,
      options.ets,
    );
    evaluations += ev;
    for (const fam of families) {
      const c = candidates.get(fam);
      const e = err.get(fam) ?? { sum: 0, count: 0 };
      if (!c) e.sum = Number.POSITIVE_INFINITY;
      else
        for (let i = 0; i < hv; i++) {
          const f = c.forecast;
          const d = (y[o + i] as number) - (f.mean[i] as number);
          e.sum += Math.abs(d);
          e.count++;
          const w80 =
            d > 0
              ? (f.upper80[i] as number) - (f.mean[i] as number)
              : (f.mean[i] as number) - (f.lower80[i] as number);
          const w95 =
            d > 0
              ? (f.upper95[i] as number) - (f.mean[i] as number)
              : (f.mean[i] as number) - (f.lower95[i] as number);
          if (w80 > 0 && w95 > 0) {
            rel80.set(fam, [...(rel80.get(fam) ?? []), Math.abs(d) / w80]);
            rel95.set(fam, [...(rel95.get(fam) ?? []), Math.abs(d) / w95]);
          }
        }
      err.set(fam, e);
    }
  }
  const validation = {} as Record<LongSeasonFamily, number>;
  let chosen: LongSeasonFamily = 'Fourier+Comb';
  let bestErr = Number.POSITIVE_INFINITY;
  for (const fam of LONG_SEASON_FAMILIES) {
    if (!families.has(fam)) continue;
    const e = err.get(fam);
    const v = e ? (e.count > 0 ? e.sum / e.count : e.sum) : Number.NaN;
    validation[fam] = v;
    if (v < bestErr) {
      bestErr = v;
      chosen = fam;
    }
  }
  const final = longSeasonCandidates(y, m, h, options.ets, new Set([chosen]));
  evaluations += final.evaluations;
  let c = final.candidates.get(chosen);
  let family = chosen;
  if (!c) {
    family = 'SNaive';
    c = { forecast: seasonalNaive(y, m, h), model: `SNaive(${m})` };
  }
  const forecast = calibrateIntervals(c.forecast, rel80.get(family) ?? [], rel95.get(family) ?? []);
  return { model: c.model, family, forecast, validation, evaluations };
}

/** Fewest validation errors from which interval widths are calibrated. */
export const MIN_CALIBRATION_ERRORS = 20;

function quantile(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return (s[lo] as number) + (h - lo) * ((s[hi] as number) - (s[lo] as number));
}

/**
 * Rescales the 80% and 95% intervals of `f` around its mean so that, on the rolling-origin
 * validation, 80% (95%) of the errors would have fallen inside (`rel80`, `rel95`: each
 * validation error as a multiple of its interval's half-width on its side): each half-width is
 * multiplied by that quantile of |error| / half-width, bounded to [0.5, 2]. Unchanged
 * with fewer than MIN_CALIBRATION_ERRORS errors.
 */
export function calibrateIntervals(f: Forecast, rel80: number[], rel95: number[]): Forecast {
  if (rel80.length < MIN_CALIBRATION_ERRORS) return f;
  const c80 = Math.min(2, Math.max(0.5, quantile(rel80, 0.8)));
  const c95 = Math.min(2, Math.max(0.5, quantile(rel95, 0.95)));
  const h = f.mean.length;
  const scale = (bound: Float64Array, c: number) => {
    const out = new Float64Array(h);
    for (let i = 0; i < h; i++)
      out[i] = (f.mean[i] as number) + c * ((bound[i] as number) - (f.mean[i] as number));
    return out;
  };
  return {
    mean: f.mean,
    lower80: scale(f.lower80, c80),
    upper80: scale(f.upper80, c80),
    lower95: scale(f.lower95, c95),
    upper95: scale(f.upper95, c95),
  };
}
