import { threadId } from 'node:worker_threads';
import { type AutoEtsOptions, autoEts } from './auto-ets.js';
import { forecastEts } from './ets-forecast.js';
import type { Forecast } from './forecast-result.js';

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
 * intervals. Throws RangeError as autoEts does (too short, non-finite values).
 */
export function fitSeries(request: FitRequest, thread: number): FitOutcome {
  const t0 = performance.now();
  const fit = autoEts(request.y, { ...request.ets, m: request.m });
  const forecast = forecastEts(fit.fit, request.h);
  return {
    model: fit.fit.name,
    forecast,
    evaluations: fit.evaluations,
    ms: performance.now() - t0,
    threadId: thread,
  };
}

/**
 * A Fitter that fits on the calling thread. For unit tests and one-off tools only: it
 * holds the event loop for the whole fit, so a serving process uses ForecastPool.
 */
export const fitInline: Fitter = async (request) => fitSeries(request, threadId);
