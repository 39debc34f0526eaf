/** Point forecasts with central prediction intervals, one entry per step ahead. */
export interface Forecast {
  readonly mean: Float64Array;
  readonly lower80: Float64Array;
  readonly upper80: Float64Array;
  readonly lower95: Float64Array;
  readonly upper95: Float64Array;
}

/** Standard normal quantiles of the 80% and 95% central intervals. */
export const Z80 = 1.2815515655446004;
export const Z95 = 1.959963984540054;
