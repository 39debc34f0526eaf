import { checkParams, LOWER, UPPER } from './admissible.js';
import { type EtsFit, type EtsSpec, etsName } from './ets-model.js';
import {
  etsObjective,
  type RecursionOut,
  SEASON_ADD,
  SEASON_MULT,
  SEASON_NONE,
  TREND_ADD,
  TREND_NONE,
} from './ets-recursion.js';
import { initialStates } from './init-state.js';
import { nelderMead } from './nelder-mead.js';

/** Options of `fitEts`. */
export interface FitEtsOptions {
  /** Optimise the initial seasonal indices too (as R does); default true. False keeps R's heuristic values. */
  readonly optimizeSeasonStates?: boolean;
  /** Objective evaluations allowed to the optimiser (R's maxit); default 2000. */
  readonly maxEvaluations?: number;
  /** Relative tolerance of the optimiser; default 1e-8 (R's sqrt(machine eps) ≈ 1.5e-8). */
  readonly reltol?: number;
  /** Absolute tolerance of the optimiser in objective units (−2·log-likelihood); default 0. */
  readonly abstol?: number;
  /** Optimiser restarts from the best point after convergence (see nelderMead); default 0. */
  readonly restarts?: number;
  /**
   * Start from this fit's parameters and states instead of R's defaults when it has the same
   * trend and season (or is the undamped version of a damped spec); the error type may differ.
   */
  readonly start?: EtsFit;
  /** Fixed parameters: evaluate, do not optimise (for checks against hand computations). */
  readonly fixed?: {
    alpha: number;
    beta?: number;
    gamma?: number;
    phi?: number;
    level: number;
    trend?: number;
    season?: ArrayLike<number>;
  };
}

/** Number of free parameters R counts for `spec` (smoothing, initial states, σ). */
export function parameterCount(spec: EtsSpec): number {
  const hasTrend = spec.trend !== 'N';
  const hasSeason = spec.season !== 'N';
  return (
    1 +
    (hasTrend ? 1 : 0) +
    (hasSeason ? 1 : 0) +
    (spec.trend === 'Ad' ? 1 : 0) +
    1 +
    (hasTrend ? 1 : 0) +
    (hasSeason ? spec.m - 1 : 0) +
    1
  );
}

/**
 * Fits one ETS model to `y[0..n)` by maximum likelihood (R's objective and parameter
 * space), starting from R's initial values. Returns undefined when the model cannot be
 * fitted (too few observations for its parameters, multiplicative components with
 * non-positive data, or no feasible start).
 */
export function fitEts(
  y: Float64Array,
  spec: EtsSpec,
  options: FitEtsOptions = {},
): EtsFit | undefined {
  const n = y.length;
  const m = spec.season === 'N' ? 1 : spec.m;
  const np = parameterCount({ ...spec, m });
  if (np >= n - 1) return undefined;
  const trendCode = spec.trend === 'N' ? TREND_NONE : TREND_ADD;
  const seasonCode =
    spec.season === 'N' ? SEASON_NONE : spec.season === 'A' ? SEASON_ADD : SEASON_MULT;
  const multErr = spec.error === 'M';
  const hasBeta = spec.trend !== 'N';
  const hasGamma = spec.season !== 'N';
  const damped = spec.trend === 'Ad';
  const optSeason = hasGamma && (options.optimizeSeasonStates ?? true) && !options.fixed;

  const init = initialStates(y, n, spec.trend, spec.season, m);
  const fig = Float64Array.from(init.season);
  if (options.fixed?.season) for (let k = 0; k < m; k++) fig[k] = options.fixed.season[k] as number;
  const seas = new Float64Array(m);
  const normal = spec.season === 'M' ? m : 0;

  // Parameter vector layout.
  const iAlpha = 0;
  let k = 1;
  const iBeta = hasBeta ? k++ : -1;
  const iGamma = hasGamma ? k++ : -1;
  const iPhi = damped ? k++ : -1;
  const iLevel = k++;
  const iTrend = hasBeta ? k++ : -1;
  const iSeason = optSeason ? k : -1;
  const dim = k + (optSeason ? m - 1 : 0);
  const x0 = new Float64Array(dim);

  const start = options.start;
  let alpha = LOWER.alpha + (0.2 * (UPPER.alpha - LOWER.alpha)) / m;
  if (alpha > 1 || alpha < 0) alpha = LOWER.alpha + 2e-3;
  let beta = LOWER.beta + 0.1 * (Math.min(UPPER.beta, alpha) - LOWER.beta);
  if (beta < 0 || beta > alpha) beta = alpha - 1e-3;
  let gamma = LOWER.gamma + 0.05 * (Math.min(UPPER.gamma, 1 - alpha) - LOWER.gamma);
  if (gamma < 0 || gamma > 1 - alpha) gamma = 1 - alpha - 1e-3;
  let phi = LOWER.phi + 0.99 * (UPPER.phi - LOWER.phi);
  // A start is usable when it has the same components (error may differ; a damped model
  // may start from the undamped one).
  const sameStart =
    start !== undefined &&
    start.spec.season === spec.season &&
    (start.spec.trend === spec.trend || (spec.trend === 'Ad' && start.spec.trend === 'A'))
      ? start
      : undefined;
  if (sameStart) {
    alpha = sameStart.alpha;
    beta = sameStart.beta;
    gamma = sameStart.gamma;
    if (sameStart.spec.trend === 'Ad') phi = sameStart.phi;
  }
  const fx = options.fixed;
  x0[iAlpha] = fx ? fx.alpha : alpha;
  if (hasBeta) x0[iBeta] = fx?.beta ?? beta;
  if (hasGamma) x0[iGamma] = fx?.gamma ?? gamma;
  if (damped) x0[iPhi] = fx?.phi ?? phi;
  x0[iLevel] = fx ? fx.level : sameStart ? sameStart.initial.level : init.level;
  if (hasBeta) x0[iTrend] = fx?.trend ?? (sameStart ? sameStart.initial.trend : init.trend);
  if (sameStart && hasGamma && sameStart.initial.season.length === m)
    fig.set(sameStart.initial.season);
  if (optSeason) for (let j = 1; j < m; j++) x0[iSeason + j - 1] = fig[j] as number;

  const objective = (x: Float64Array): number => {
    const a = x[iAlpha] as number;
    const b = hasBeta ? (x[iBeta] as number) : undefined;
    const g = hasGamma ? (x[iGamma] as number) : undefined;
    const p = damped ? (x[iPhi] as number) : undefined;
    if (!fx && !checkParams(a, b, g, p, m)) return Number.POSITIVE_INFINITY;
    if (hasGamma) {
      if (optSeason) {
        let sum = 0;
        for (let j = 1; j < m; j++) {
          const v = x[iSeason + j - 1] as number;
          seas[j] = v;
          sum += v;
        }
        seas[0] = normal - sum;
      } else {
        seas.set(fig);
      }
      if (seasonCode === SEASON_MULT)
        for (let j = 0; j < m; j++) if (!((seas[j] as number) > 0)) return Number.POSITIVE_INFINITY;
    }
    return etsObjective(
      y,
      n,
      trendCode,
      seasonCode,
      multErr,
      a,
      b ?? 0,
      g ?? 0,
      p ?? 1,
      x[iLevel] as number,
      hasBeta ? (x[iTrend] as number) : 0,
      seas,
      m,
    );
  };

  let x: Float64Array = x0;
  let evaluations = 1;
  if (!fx) {
    if (!Number.isFinite(objective(x0)))
      return sameStart ? fitEts(y, spec, { ...options, start: undefined }) : undefined;
    let scale = 0;
    for (let i = 0; i < n; i++) scale += Math.abs(y[i] as number);
    scale = scale / n || 1;
    const steps = new Float64Array(dim);
    steps[iAlpha] = 0.1;
    if (hasBeta) steps[iBeta] = Math.max(0.01, 0.5 * (x0[iBeta] as number));
    if (hasGamma) steps[iGamma] = 0.05;
    if (damped) steps[iPhi] = -0.02;
    steps[iLevel] = 0.1 * Math.max(Math.abs(x0[iLevel] as number), 0.1 * scale);
    if (hasBeta)
      steps[iTrend] =
        0.1 * Math.max(Math.abs(x0[iTrend] as number), (0.01 * scale) / Math.max(1, m));
    if (optSeason)
      for (let j = 1; j < m; j++)
        steps[iSeason + j - 1] =
          spec.season === 'M' ? 0.05 : 0.1 * Math.max(Math.abs(fig[j] as number), 0.02 * scale);
    const r = nelderMead(objective, x0, {
      steps,
      maxEvaluations: options.maxEvaluations ?? 2000,
      reltol: options.reltol ?? 1e-8,
      abstol: options.abstol ?? 0,
      restarts: options.restarts ?? 0,
    });
    x = r.x;
    evaluations = r.evaluations;
  }
  const lik0 = objective(x);
  if (!Number.isFinite(lik0)) return undefined;
  // seas now holds the initial indices of x; keep them, then run once more for the final state.
  const initialSeason = hasGamma ? Float64Array.from(seas) : new Float64Array(0);
  const out: RecursionOut = { level: 0, trend: 0, pos: 0, sse: 0 };
  const work = Float64Array.from(initialSeason.length ? initialSeason : new Float64Array(1));
  const a = x[iAlpha] as number;
  const b = hasBeta ? (x[iBeta] as number) : 0;
  const g = hasGamma ? (x[iGamma] as number) : 0;
  const p = damped ? (x[iPhi] as number) : 1;
  const lik = etsObjective(
    y,
    n,
    trendCode,
    seasonCode,
    multErr,
    a,
    b,
    g,
    p,
    x[iLevel] as number,
    hasBeta ? (x[iTrend] as number) : 0,
    work,
    m,
    out,
  );
  const finalSeason = new Float64Array(hasGamma ? m : 0);
  for (let j = 0; j < finalSeason.length; j++) finalSeason[j] = work[(out.pos + j) % m] as number;
  const aic = lik + 2 * np;
  return {
    spec: { ...spec, m },
    name: etsName(spec),
    alpha: a,
    beta: b,
    gamma: g,
    phi: p,
    initial: {
      level: x[iLevel] as number,
      trend: hasBeta ? (x[iTrend] as number) : 0,
      season: initialSeason,
    },
    final: { level: out.level, trend: out.trend, season: finalSeason },
    lik,
    aic,
    aicc: aic + (2 * np * (np + 1)) / (n - np - 1),
    bic: lik + Math.log(n) * np,
    np,
    sigma2: out.sse / (n - np),
    n,
    evaluations,
  };
}
