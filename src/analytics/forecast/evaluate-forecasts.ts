import { coverage, mase, maseScale, msis, smape } from './accuracy.js';
import type { AutoEtsOptions } from './auto-ets.js';
import { type FitOutcome, type Fitter, fitInline } from './fit-series.js';
import { seasonalNaive } from './seasonal-naive.js';
import type { InputSeries } from './series-csv.js';

/** Options of `evaluateForecasts` (the `faresight forecast evaluate` protocol). */
export interface EvaluateOptions {
  /** Seasonal period M (MASE scale lag, seasonal naive lag, ETS season). */
  readonly season: number;
  /** Forecast horizon H. */
  readonly horizon: number;
  /** Number of origins K (default 1): origins at n−H·K, …, n−H. */
  readonly origins?: number;
  /** Fit on the last W observations before each origin; default all of them. */
  readonly window?: number;
  /** Overrides of the automatic ETS selection. */
  readonly ets?: Omit<AutoEtsOptions, 'm'>;
  /**
   * Runs the automatic fits; default fitInline (on this thread). The CLI passes a
   * ForecastPool over every core; all fits are handed over at once.
   */
  readonly fit?: Fitter;
  /** Called for each series left out, with the reason (the CLI prints it to stderr). */
  readonly onSkip?: (id: string, reason: string) => void;
}

/** Accuracy of one method, mean over origins; null when undefined (see evaluateForecasts). */
export interface MethodScore {
  mase: number | null;
  smape: number | null;
}

export interface AutoScore extends MethodScore {
  /** Share of actuals inside the 80% interval (0 … 1). */
  coverage80: number | null;
  /** Share of actuals inside the 95% interval (0 … 1). */
  coverage95: number | null;
  /** M4's mean scaled interval score of the 95% interval (see accuracy `msis`). */
  msis: number | null;
}

export interface SeriesReport {
  id: string;
  /** Model chosen at the last origin (n−H), e.g. `ETS(M,Ad,M)`. */
  model: string;
  auto: AutoScore;
  snaive: MethodScore;
}

export interface EvaluateReport {
  overall: { auto: AutoScore; snaive: MethodScore; fitsPerSecond: number };
  series: SeriesReport[];
}

const mean = (v: number[]): number | null => {
  const ok = v.filter((x) => Number.isFinite(x));
  return ok.length === 0 ? null : ok.reduce((a, b) => a + b, 0) / ok.length;
};

/**
 * Runs the rolling-origin evaluation: for each series of length n and each origin
 * o = n−H·K, …, n−H, fits automatic ETS and the seasonal naive on y[o−W … o) (all of
 * y[0 … o) without a window), forecasts H steps and scores them on y[o … o+H):
 * MASE (scaled by the in-sample MAE of the lag-M seasonal naive on that training
 * window), sMAPE in percent (M4 definition) and the share of actuals inside the 80%
 * interval. Per series, each figure is the mean over origins; overall figures are means
 * over series. A figure that is undefined (MASE of a training window whose seasonal
 * naive has zero error) is left out of the means, and is null when nothing is left.
 * The automatic model's intervals are scored by their coverage at 80% and 95% and by
 * M4's MSIS of the 95% interval (same scale as MASE).
 * A series whose first training window is shorter than max(3, M+1) is skipped (onSkip).
 * `fitsPerSecond` counts automatic ETS fits (selection + interval computation) per
 * second of time spent in them, timed on the threads that ran them (so per thread).
 */
export async function evaluateForecasts(
  series: readonly InputSeries[],
  options: EvaluateOptions,
): Promise<EvaluateReport> {
  const { season: m, horizon: h } = options;
  const k = options.origins ?? 1;
  const minTrain = Math.max(3, m + 1);
  const fitter = options.fit ?? fitInline;
  const ets = options.ets;
  // Every fit is handed over first, so a pool has them all to spread; scored in order after.
  const planned: { s: InputSeries; fits: Promise<FitOutcome>[] }[] = [];
  for (const s of series) {
    const n = s.values.length;
    const firstOrigin = n - h * k;
    const firstTrain = Math.min(firstOrigin, options.window ?? Number.POSITIVE_INFINITY);
    if (firstTrain < minTrain) {
      options.onSkip?.(
        s.id,
        `${n} observations leave ${Math.max(firstTrain, 0)} for the first fit; need at least ${minTrain} (season ${m}, horizon ${h}, origins ${k})`,
      );
      continue;
    }
    const fits: Promise<FitOutcome>[] = [];
    for (let j = k; j >= 1; j--) {
      const o = n - h * j;
      const from = options.window ? Math.max(0, o - options.window) : 0;
      const fit = fitter({ y: s.values.slice(from, o), m, h, ...(ets ? { ets } : {}) });
      fit.catch(() => {}); // awaited below in order; a later failure must not go unhandled first
      fits.push(fit);
    }
    planned.push({ s, fits });
  }
  const out: SeriesReport[] = [];
  let fits = 0;
  let fitMs = 0;
  for (const { s, fits: pending } of planned) {
    const n = s.values.length;
    const outcomes = await Promise.all(pending);
    const a = {
      mase: [] as number[],
      smape: [] as number[],
      cov: [] as number[],
      cov95: [] as number[],
      msis: [] as number[],
    };
    const b = { mase: [] as number[], smape: [] as number[] };
    let model = '';
    for (let j = k; j >= 1; j--) {
      const o = n - h * j;
      const from = options.window ? Math.max(0, o - options.window) : 0;
      const train = s.values.subarray(from, o);
      const test = s.values.subarray(o, o + h);
      const scale = maseScale(train, m);
      const fit = outcomes[k - j] as FitOutcome;
      const fc = fit.forecast;
      fitMs += fit.ms;
      fits++;
      model = fit.model;
      a.mase.push(mase(test, fc.mean, scale));
      a.smape.push(smape(test, fc.mean));
      a.cov.push(coverage(test, fc.lower80, fc.upper80));
      a.cov95.push(coverage(test, fc.lower95, fc.upper95));
      a.msis.push(msis(test, fc.lower95, fc.upper95, scale));
      const sn = seasonalNaive(train, m, h);
      b.mase.push(mase(test, sn.mean, scale));
      b.smape.push(smape(test, sn.mean));
    }
    out.push({
      id: s.id,
      model,
      auto: {
        mase: mean(a.mase),
        smape: mean(a.smape),
        coverage80: mean(a.cov),
        coverage95: mean(a.cov95),
        msis: mean(a.msis),
      },
      snaive: { mase: mean(b.mase), smape: mean(b.smape) },
    });
  }
  const pick = (f: (r: SeriesReport) => number | null) => mean(out.map((r) => f(r) ?? Number.NaN));
  return {
    overall: {
      auto: {
        mase: pick((r) => r.auto.mase),
        smape: pick((r) => r.auto.smape),
        coverage80: pick((r) => r.auto.coverage80),
        coverage95: pick((r) => r.auto.coverage95),
        msis: pick((r) => r.auto.msis),
      },
      snaive: { mase: pick((r) => r.snaive.mase), smape: pick((r) => r.snaive.smape) },
      fitsPerSecond: fitMs > 0 ? (fits / fitMs) * 1000 : 0,
    },
    series: out,
  };
}
