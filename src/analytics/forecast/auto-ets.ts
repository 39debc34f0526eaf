import {
  type EtsFit,
  type EtsSpec,
  etsName,
  type SeasonType,
  type TrendType,
} from './ets-model.js';
import { type FitEtsOptions, fitEts } from './fit-ets.js';

/** Default absolute optimiser tolerance of autoEts (see AutoEtsOptions.abstol). */
export const DEFAULT_ABSTOL = 1;
/**
 * Longest season whose initial indices are optimised; longer seasons (allowed through
 * maxSeasonalPeriod) keep R's heuristic indices, as a Nelder–Mead over 50+ dimensions
 * does not converge.
 */
export const MAX_OPTIMISED_SEASON = 24;
/** Default longest seasonal period of autoEts (see AutoEtsOptions.maxSeasonalPeriod). */
export const DEFAULT_MAX_SEASONAL_PERIOD = 52;
/**
 * Default AICc margin of autoEts's pruning (see AutoEtsOptions.pruneMargin): AICc
 * differences of 10 and more are what Burnham and Anderson call "essentially no support".
 */
export const DEFAULT_PRUNE_MARGIN = 10;
/** Absolute optimiser tolerance of the coarse stage when pruning (objective units). */
export const COARSE_ABSTOL = 8;
/** Default optimiser restarts per candidate of autoEts. */
export const DEFAULT_RESTARTS = 1;

/**
 * How much of the initial seasonal state is estimated: `all` optimises it in every
 * candidate (R's behaviour, slowest); `selected` keeps R's heuristic indices while
 * choosing the model, then re-fits the chosen model with them optimised; `none` never
 * optimises them.
 */
export type SeasonStateMode = 'all' | 'selected' | 'none';

/** Options of `autoEts`. */
export interface AutoEtsOptions {
  /** Seasonal period; 1 = non-seasonal. */
  readonly m: number;
  /**
   * Seasonal models only up to this period; default DEFAULT_MAX_SEASONAL_PERIOD = 52 so
   * weekly data keeps its yearly season (R ignores seasons above 24; above
   * MAX_OPTIMISED_SEASON the initial indices are R's heuristic ones, not optimised).
   */
  readonly maxSeasonalPeriod?: number;
  /** Default `all` (as R; `selected` and `none` are faster and less accurate, see the bench). */
  readonly seasonStates?: SeasonStateMode;
  /** Optimiser evaluations per candidate; default 2000 (R's maxit). */
  readonly maxEvaluations?: number;
  /** Relative tolerance of the optimiser; default 1e-8. */
  readonly reltol?: number;
  /**
   * Absolute tolerance of the optimiser in objective units (−2·log-likelihood); default
   * DEFAULT_ABSTOL = 1: a candidate stops once its simplex spans less than half a unit of
   * log-likelihood, far below the AICc differences that decide the choice. 0 gives R's
   * stopping rule (relative 1e-8 only), about 4× slower on daily series.
   */
  readonly abstol?: number;
  /** Optimiser restarts per candidate after convergence (see nelderMead); default DEFAULT_RESTARTS = 1. */
  readonly restarts?: number;
  /**
   * Early pruning: every candidate is first fitted coarsely (absolute tolerance
   * COARSE_ABSTOL, no restart) and only those whose AICc is within this margin of the
   * best coarse one are refined to the full tolerance; default DEFAULT_PRUNE_MARGIN.
   * Infinity fits every candidate to the full tolerance at once (the slower old way).
   */
  readonly pruneMargin?: number;
  /** Start each candidate from a fitted relative (see fitEts `start`); default true. */
  readonly warmStart?: boolean;
}

/** A model choice: the fit and every candidate's AICc (Infinity when it could not be fitted). */
export interface AutoEtsResult {
  readonly fit: EtsFit;
  readonly candidates: ReadonlyArray<{ readonly name: string; readonly aicc: number }>;
  /** Objective evaluations over all candidates. */
  readonly evaluations: number;
}

/**
 * The candidate models of R's `ets()` with default arguments: error A/M, trend N/A/Ad,
 * season N/A/M, without multiplicative trend, without additive error with multiplicative
 * season (R's `restrict`), multiplicative error or season only for strictly positive data,
 * seasonal models only when 1 < m ≤ maxSeasonalPeriod and n ≥ 2m (15 models at most).
 */
export function candidateSpecs(
  y: ArrayLike<number>,
  n: number,
  m: number,
  maxSeasonalPeriod = DEFAULT_MAX_SEASONAL_PERIOD,
): EtsSpec[] {
  let positive = true;
  for (let i = 0; i < n; i++) if (!((y[i] as number) > 0)) positive = false;
  const seasonal = m > 1 && m <= maxSeasonalPeriod && n >= 2 * m;
  const specs: EtsSpec[] = [];
  for (const error of ['A', 'M'] as const) {
    if (error === 'M' && !positive) continue;
    for (const trend of ['N', 'A', 'Ad'] as TrendType[]) {
      for (const season of ['N', 'A', 'M'] as SeasonType[]) {
        if (season !== 'N' && !seasonal) continue;
        if (season === 'M' && (!positive || error === 'A')) continue;
        specs.push({ error, trend, season, m: season === 'N' ? 1 : m });
      }
    }
  }
  return specs;
}

/**
 * Fits every candidate by maximum likelihood (pruned early: see pruneMargin) and returns
 * the one with the lowest AICc,
 * as R's `ets(y)`. A constant series gets ETS(A,N,N) with α ≈ 1 and σ = 0 (as R's
 * special case). Throws RangeError when the series has fewer than 3 observations or
 * holds a non-finite value.
 */
export function autoEts(y: Float64Array, options: AutoEtsOptions): AutoEtsResult {
  const n = y.length;
  if (n < 3) throw new RangeError(`need at least 3 observations to fit ETS (got ${n})`);
  let constant = true;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i] as number))
      throw new RangeError(`observation ${i} is not a finite number`);
    if (y[i] !== y[0]) constant = false;
  }
  if (constant) {
    const v = y[0] as number;
    const spec: EtsSpec = { error: 'A', trend: 'N', season: 'N', m: 1 };
    const fit: EtsFit = {
      spec,
      name: 'ETS(A,N,N)',
      alpha: 0.9999,
      beta: 0,
      gamma: 0,
      phi: 1,
      initial: { level: v, trend: 0, season: new Float64Array(0) },
      final: { level: v, trend: 0, season: new Float64Array(0) },
      lik: -1e10,
      aic: -1e10,
      aicc: -1e10,
      bic: -1e10,
      np: 3,
      sigma2: 0,
      n,
      evaluations: 0,
    };
    return { fit, candidates: [{ name: fit.name, aicc: fit.aicc }], evaluations: 0 };
  }
  const mode = options.seasonStates ?? 'all';
  const base: FitEtsOptions = {
    maxEvaluations: options.maxEvaluations ?? 2000,
    reltol: options.reltol ?? 1e-8,
    abstol: options.abstol ?? DEFAULT_ABSTOL,
    restarts: options.restarts ?? DEFAULT_RESTARTS,
  };
  const candidates: { name: string; aicc: number }[] = [];
  let best: EtsFit | undefined;
  let evaluations = 0;
  const warm = options.warmStart ?? true;
  const margin = options.pruneMargin ?? DEFAULT_PRUNE_MARGIN;
  // Stage 1 (only when pruning): every candidate to a coarse optimum. Stage 2: the
  // candidates within `margin` of the best coarse AICc, refined from their coarse
  // optimum to the full tolerance; the others cannot catch up and keep their coarse AICc.
  const coarse: FitEtsOptions | undefined = Number.isFinite(margin)
    ? { ...base, abstol: Math.max(base.abstol ?? 0, COARSE_ABSTOL), restarts: 0 }
    : undefined;
  const fitted = new Map<string, EtsFit>();
  const stage1: { spec: EtsSpec; fit: EtsFit | undefined; optSeason: boolean }[] = [];
  for (const spec of candidateSpecs(y, n, options.m, options.maxSeasonalPeriod)) {
    // Warm start: M-error from the A-error fit of the same components, damped from undamped.
    const start = warm
      ? (fitted.get(`A${spec.trend}${spec.season}`) ??
        (spec.trend === 'Ad' ? fitted.get(`${spec.error}A${spec.season}`) : undefined))
      : undefined;
    const optSeason = mode === 'all' && spec.m <= MAX_OPTIMISED_SEASON;
    const fit = fitEts(y, spec, { ...(coarse ?? base), optimizeSeasonStates: optSeason, start });
    if (fit) {
      fitted.set(`${spec.error}${spec.trend}${spec.season}`, fit);
      evaluations += fit.evaluations;
    }
    stage1.push({ spec, fit, optSeason });
  }
  let bestCoarse = Infinity;
  for (const c of stage1) if (c.fit && c.fit.aicc < bestCoarse) bestCoarse = c.fit.aicc;
  for (const c of stage1) {
    let fit = c.fit;
    if (fit && coarse && fit.aicc <= bestCoarse + margin) {
      const refined = fitEts(y, c.spec, { ...base, optimizeSeasonStates: c.optSeason, start: fit });
      if (refined) {
        evaluations += refined.evaluations;
        if (refined.lik <= fit.lik) fit = refined;
      }
    }
    candidates.push({ name: etsName(c.spec), aicc: fit?.aicc ?? Infinity });
    if (fit && (!best || fit.aicc < best.aicc)) best = fit;
  }
  if (
    best &&
    mode === 'selected' &&
    best.spec.season !== 'N' &&
    best.spec.m <= MAX_OPTIMISED_SEASON
  ) {
    const refit = fitEts(y, best.spec, { ...base, optimizeSeasonStates: true, start: best });
    if (refit) {
      evaluations += refit.evaluations;
      if (refit.lik <= best.lik) best = refit;
    }
  }
  if (!best) {
    const fit = fitEts(y, { error: 'A', trend: 'N', season: 'N', m: 1 }, base);
    if (!fit) throw new RangeError(`no ETS model could be fitted to ${n} observations`);
    best = fit;
  }
  return { fit: best, candidates, evaluations };
}
