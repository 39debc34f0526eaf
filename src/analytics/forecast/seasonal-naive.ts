import { type Forecast, Z80, Z95 } from './forecast-result.js';

/**
 * Seasonal naive forecast: ŷ(n+h) = y(n+h−m·k) for the smallest k ≥ 1 (the last
 * observed value of the same season; plain naive when m = 1 or there are fewer than m
 * observations). Intervals use the residual standard deviation of the in-sample seasonal
 * naive, widened by √(k), as R's `snaive()`.
 */
export function seasonalNaive(y: Float64Array, m: number, h: number): Forecast {
  const n = y.length;
  const lag = m >= 1 && n >= m ? m : 1;
  const mean = new Float64Array(h);
  for (let i = 0; i < h; i++) mean[i] = y[n - lag + (i % lag)] as number;
  let ss = 0;
  let cnt = 0;
  for (let t = lag; t < n; t++) {
    const d = (y[t] as number) - (y[t - lag] as number);
    ss += d * d;
    cnt++;
  }
  const sd = cnt > 0 ? Math.sqrt(ss / cnt) : 0;
  const lower80 = new Float64Array(h);
  const upper80 = new Float64Array(h);
  const lower95 = new Float64Array(h);
  const upper95 = new Float64Array(h);
  for (let i = 0; i < h; i++) {
    const s = sd * Math.sqrt(Math.floor(i / lag) + 1);
    lower80[i] = (mean[i] as number) - Z80 * s;
    upper80[i] = (mean[i] as number) + Z80 * s;
    lower95[i] = (mean[i] as number) - Z95 * s;
    upper95[i] = (mean[i] as number) + Z95 * s;
  }
  return { mean, lower80, upper80, lower95, upper95 };
}
