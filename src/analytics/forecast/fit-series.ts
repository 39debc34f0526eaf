import { threadId } from 'node:worker_threads';
import { type AutoEtsOptions, autoEts, MAX_OPTIMISED_SEASON } from './auto-ets.js';
import { forecastEts } from './ets-forecast.js';
import type { Forecast } from './forecast-result.js';
import { calibrateEtsIntervals } from './interval-calibration.js';
import { longSeasonForecast } from './long-season.js';
import { MIN_YEARLY_HISTORY, multiSeasonForecast } from './multi-season.js';

/** The weekly season of daily data, which gets a yearly one too with two years of history. */
const DAYS_PER_WEEK = 7;

/** One automatic fit and forecast: what the demand job and `forecast evaluate` ask for. */
export interface FitRequest {
  /** The observations, oldest first. */
  readonly y: Float64Array;
  /** Seasonal period (1: non-seasonal). */
  readonly m: number;
  /** Steps forecast. */
  readonly h: number;
  /** Overrides of the automatic selection (autoEts's defaults otherwise). */
  readonly ets?: Omit<AutoEtsOptions, 'm'>;
}

/** The chosen model and its forecast, with where and how long the fit ran. */
export interface FitOutcome {
  /** The chosen model, e.g. `ETS(M,Ad,M)`. */
  readonly model: string;
  readonly forecast: Forecast;
  /** Objective evaluations over all candidates. */
  readonly evaluations: number;
  /** Milliseconds of selection and forecast, timed on the thread that ran them. */
  readonly ms: number;
  /** The thread that ran the fit (worker_threads `threadId`; 0 is the main thread). */
  readonly threadId: number;
}

/** Runs a fit; the demand job and `forecast evaluate` take one (ForecastPool.fit, or fitInline in tests and tools). */
export type Fitter = (request: FitRequest) => Promise<FitOutcome>;

/**
 * Fits `request` on the calling thread: automatic ETS selection, then the forecast with
 * intervals calibrated on the fit's in-sample errors (calibrateEtsIntervals); for seasons longer than MAX_OPTIMISED_SEASON (24), the family chosen by
 * rolling-origin validation among seasonal naive, non-seasonal ETS, damped trend and
 * Fourier-adjusted ETS / Theta / damped / their combination (longSeasonForecast); for
 * daily series (m = 7) with two years of history and one horizon more, weekly ETS with or
 * without a yearly Fourier component, as validated on the last horizon (multiSeasonForecast).
 * Throws RangeError as autoEts does (too short, non-finite values).
 */
export function fitSeries(request: FitRequest, thread: number): FitOutcome {
  const t0 = performance.now();
  const outcome = (r: Pick<FitOutcome, 'model' | 'forecast' | 'evaluations'>): FitOutcome => ({
    model: r.model,
    forecast: r.forecast,
    evaluations: r.evaluations,
    ms: performance.now() - t0,
    threadId: thread,
  });
  if (request.m > MAX_OPTIMISED_SEASON)
    return outcome(
      longSeasonForecast(request.y, request.m, request.h, {
        ...(request.ets ? { ets: request.ets } : {}),
      }),
    );
  if (request.m === DAYS_PER_WEEK && request.y.length >= MIN_YEARLY_HISTORY + request.h)
    return outcome(multiSeasonForecast(request.y, request.m, request.h, request.ets));
  const fit = autoEts(request.y, { ...request.ets, m: request.m });
  return outcome({
    model: fit.fit.name,
    forecast: calibrateEtsIntervals(fit.fit, request.y, forecastEts(fit.fit, request.h)),
    evaluations: fit.evaluations,
  });
}

/**
 * A Fitter that fits on the calling thread. For unit tests and one-off tools only: it
 * holds the event loop for the whole fit, so a serving process uses ForecastPool.
 */
export const fitInline: Fitter = async (request) => fitSeries(request, threadId);
