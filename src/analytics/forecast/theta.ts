import { forecastEts } from './ets-forecast.js';
import type { EtsFit } from './ets-model.js';
import { fitEts } from './fit-ets.js';
import type { Forecast } from './forecast-result.js';

/** A Theta forecast and the simple exponential smoothing it drifts from. */
export interface ThetaResult {
  readonly forecast: Forecast;
  /** Half the least-squares slope of y on time: the drift added to SES. */
  readonly drift: number;
  readonly ses: EtsFit;
}

/**
 * The Theta method of Assimakopoulos and Nikolopoulos (2000) as SES with drift (Hyndman
 * and Billah 2003; R's `thetaf` on a series without season): ETS(A,N,N) by maximum
 * likelihood, plus b/2 · (i + (1 − (1−α)^n)/α) at step i+1, where b is the slope of the
 * least-squares line through y. Intervals are those of the SES model, shifted with the
 * mean (as R's). Undefined when SES cannot be fitted (fewer than 5 observations).
 */
export function thetaForecast(
  y: Float64Array,
  h: number,
  options: { readonly maxEvaluations?: number; readonly abstol?: number } = {},
): ThetaResult | undefined {
  const n = y.length;
  const ses = fitEts(
    y,
    { error: 'A', trend: 'N', season: 'N', m: 1 },
    { maxEvaluations: options.maxEvaluations ?? 2000, abstol: options.abstol ?? 0 },
  );
  if (!ses) return undefined;
  const tm = (n - 1) / 2;
  let ym = 0;
  for (let t = 0; t < n; t++) ym += y[t] as number;
  ym /= n;
  let sxy = 0;
  let sxx = 0;
  for (let t = 0; t < n; t++) {
    sxy += (t - tm) * ((y[t] as number) - ym);
    sxx += (t - tm) ** 2;
  }
  const drift = sxx > 0 ? sxy / sxx / 2 : 0;
  const alpha = Math.max(1e-10, ses.alpha);
  const base = forecastEts(ses, h);
  const shift = (v: Float64Array) => {
    const out = new Float64Array(h);
    for (let i = 0; i < h; i++)
      out[i] = (v[i] as number) + drift * (i + (1 - (1 - alpha) ** n) / alpha);
    return out;
  };
  return {
    forecast: {
      mean: shift(base.mean),
      lower80: shift(base.lower80),
      upper80: shift(base.upper80),
      lower95: shift(base.lower95),
      upper95: shift(base.upper95),
    },
    drift,
    ses,
  };
}
