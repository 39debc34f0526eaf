/**
 * Multiple seasonality for daily series: a week of ETS seasonal states and, once two years
 * of history exist, a smooth yearly component of a few Fourier harmonics (period 365.25
 * days, fourierSeason). The yearly component is estimated on the whole series and taken
 * out, automatic ETS with the weekly season is fitted to the adjusted series, and its
 * forecast (with intervals) gets the yearly component back. Whether the yearly component
 * earns its place is decided out of sample: both ways are fitted at VALIDATION_ORIGINS origins
 * n − j·h (each leaving two years to fit on) and scored on the next `h` values (mean
 * absolute error; a way without a yearly component scores as plain ETS), and the better one is refitted
 * on everything. As R's `stlf()` on an `msts(c(7, 365.25))` series, not `ets()`, which
 * keeps the weekly season only.
 */
import { type AutoEtsOptions, autoEts } from './auto-ets.js';
import { forecastEts } from './ets-forecast.js';
import type { Forecast } from './forecast-result.js';
import { fourierSeason, seasonallyAdjust } from './fourier-season.js';
import { reseason } from './long-season.js';

/** Days in a year: the period of the yearly component. */
export const DAYS_PER_YEAR = 365.25;
/** History (values) from which a daily series is given a yearly component: two years. */
export const MIN_YEARLY_HISTORY = Math.ceil(2 * DAYS_PER_YEAR);
/** Ratio of validation errors (yearly / plain) below which the yearly component is used. */
export const YEARLY_MARGIN = 0.9;
/** Origins, one horizon apart, at which both ways are scored. */
export const VALIDATION_ORIGINS = 3;
/** Harmonic pairs of the yearly component at most: smooth, so it cannot follow weekly noise. */
export const YEARLY_MAX_HARMONICS = 6;

/** The forecast of one way (plain weekly ETS or yearly-adjusted), with its model name. */
export interface MultiSeasonResult {
  readonly model: string;
  readonly forecast: Forecast;
  readonly evaluations: number;
  /** Validation MAE of plain ETS and of ETS on the yearly-adjusted series (NaN: not run). */
  readonly validation: { readonly ets: number; readonly yearly: number };
}

function etsWays(
  y: Float64Array,
  m: number,
  h: number,
  ets: Omit<AutoEtsOptions, 'm'> | undefined,
  which: 'ets' | 'yearly' | 'both',
): {
  ets?: { forecast: Forecast; model: string };
  yearly?: { forecast: Forecast; model: string };
  evaluations: number;
} {
  let evaluations = 0;
  const out: ReturnType<typeof etsWays> = { evaluations: 0 };
  if (which !== 'yearly') {
    const r = autoEts(y, { ...ets, m });
    evaluations += r.evaluations;
    out.ets = { forecast: forecastEts(r.fit, h), model: r.fit.name };
  }
  if (which !== 'ets') {
    const s = fourierSeason(y, DAYS_PER_YEAR, YEARLY_MAX_HARMONICS);
    if (s.harmonics > 0) {
      const r = autoEts(seasonallyAdjust(y, s), { ...ets, m });
      evaluations += r.evaluations;
      out.yearly = {
        forecast: reseason(forecastEts(r.fit, h), s, y.length),
        model: `${r.fit.name}+Fourier(${DAYS_PER_YEAR},K=${s.harmonics})`,
      };
    }
  }
  out.evaluations = evaluations;
  return out;
}

const mae = (y: Float64Array, o: number, f: Forecast) => {
  let s = 0;
  for (let i = 0; i < f.mean.length; i++)
    s += Math.abs((y[o + i] as number) - (f.mean[i] as number));
  return s / f.mean.length;
};

/**
 * Forecasts a daily series (`m` = 7) of at least MIN_YEARLY_HISTORY values with weekly
 * ETS, with or without a yearly component (see the module comment). Throws RangeError as
 * autoEts does.
 */
export function multiSeasonForecast(
  y: Float64Array,
  m: number,
  h: number,
  ets?: Omit<AutoEtsOptions, 'm'>,
): MultiSeasonResult {
  const n = y.length;
  let evaluations = 0;
  const sum = { ets: 0, yearly: 0 };
  let origins = 0;
  let wins = 0;
  for (let j = 1; j <= VALIDATION_ORIGINS; j++) {
    const o = n - j * h;
    if (o < MIN_YEARLY_HISTORY) break;
    const v = etsWays(y.subarray(0, o), m, h, ets, 'both');
    evaluations += v.evaluations;
    if (!v.ets) continue;
    const e = mae(y, o, v.ets.forecast);
    const ey = v.yearly ? mae(y, o, v.yearly.forecast) : e;
    sum.ets += e;
    sum.yearly += ey;
    if (ey < e) wins++;
    origins++;
  }
  const validation =
    origins > 0
      ? { ets: sum.ets / origins, yearly: sum.yearly / origins }
      : { ets: Number.NaN, yearly: Number.NaN };
  // a smooth curve through a wandering level wins now and then by chance: the yearly
  // component must win at most origins and by YEARLY_MARGIN on average
  const choice: 'ets' | 'yearly' =
    wins * 2 > origins && validation.yearly < YEARLY_MARGIN * validation.ets ? 'yearly' : 'ets';
  let final = etsWays(y, m, h, ets, choice);
  evaluations += final.evaluations;
  let chosen = final[choice];
  if (!chosen) {
    // the yearly component vanished on the full series (no harmonic by AICc)
    final = etsWays(y, m, h, ets, 'ets');
    evaluations += final.evaluations;
    chosen = final.ets;
  }
  const c = chosen as { forecast: Forecast; model: string };
  return { model: c.model, forecast: c.forecast, evaluations, validation };
}
