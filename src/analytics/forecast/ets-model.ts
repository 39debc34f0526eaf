/**
 * The exponential-smoothing (ETS) state-space family of Hyndman et al. (2008), as in R's
 * `forecast::ets()`: error A/M, trend N/A/Ad, season N/A/M.
 */

export type ErrorType = 'A' | 'M';
export type TrendType = 'N' | 'A' | 'Ad';
export type SeasonType = 'N' | 'A' | 'M';

/** One model of the family. `m` is the seasonal period (1 when `season` is 'N'). */
export interface EtsSpec {
  readonly error: ErrorType;
  readonly trend: TrendType;
  readonly season: SeasonType;
  readonly m: number;
}

/** A fitted model: parameters, final state and information criteria. */
export interface EtsFit {
  readonly spec: EtsSpec;
  /** `ETS(M,Ad,M)` as R prints it. */
  readonly name: string;
  readonly alpha: number;
  /** 0 when there is no trend. */
  readonly beta: number;
  /** 0 when there is no season. */
  readonly gamma: number;
  /** 1 unless the trend is damped. */
  readonly phi: number;
  /** Initial level, trend and seasonal states (seasonal by cycle position of the first observation). */
  readonly initial: {
    readonly level: number;
    readonly trend: number;
    readonly season: Float64Array;
  };
  /** State after the last observation; `season[k]` is the index for k+1 steps ahead (mod m). */
  readonly final: { readonly level: number; readonly trend: number; readonly season: Float64Array };
  /** R's `lik`: n·log(SSE) (+ 2·Σ log|ŷ| for multiplicative error); -2·loglik up to a constant. */
  readonly lik: number;
  readonly aic: number;
  readonly aicc: number;
  readonly bic: number;
  /** Free parameters counted as R does: smoothing parameters, initial states, σ. */
  readonly np: number;
  /** Residual variance Σe²/(n−np) (relative errors for multiplicative error). */
  readonly sigma2: number;
  readonly n: number;
  /** Objective evaluations spent by the optimiser. */
  readonly evaluations: number;
}

/** `ETS(A,Ad,N)`. */
export function etsName(spec: Pick<EtsSpec, 'error' | 'trend' | 'season'>): string {
  return `ETS(${spec.error},${spec.trend},${spec.season})`;
}
