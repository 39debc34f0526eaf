import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { forecastEts } from './ets-forecast.js';
import { evaluateForecasts } from './evaluate-forecasts.js';
import { fitEts } from './fit-ets.js';
import { Z80, Z95 } from './forecast-result.js';
import {
  calibrateEtsIntervals,
  inSampleErrors,
  RECENT_WEIGHT,
  recentWindow,
} from './interval-calibration.js';
import type { InputSeries } from './series-csv.js';

const DEPARTURES = new URL(
  '../../../../shared/data/series/departures/departures.csv',
  import.meta.url,
);

/** Monthly departures from Australia by traveller type (wide CSV: one column per series). */
function departures(): InputSeries[] | undefined {
  if (!existsSync(DEPARTURES)) return undefined;
  const lines = readFileSync(DEPARTURES, 'utf8').trim().split(/\r?\n/);
  return (lines[0] as string)
    .split(',')
    .slice(1)
    .map((name, j) => {
      const values = Float64Array.from(lines.slice(1), (l) => Number(l.split(',')[j + 1]));
      return { id: name, dates: [...values.keys()].map(String), values };
    });
}

/** Seeded draws: uniform (0, 1) and, from it, standard normal and Laplace (variance 1). */
function draws(seed: number) {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return {
    normal: () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
    laplace: () => (u() < 0.5 ? 1 : -1) * Math.log(u()) * Math.SQRT1_2,
  };
}

/** A random-walk level plus noise; the noise sd is `sd(t)`. */
function walk(n: number, noise: () => number, sd: (t: number) => number): Float64Array {
  const { normal } = draws(11);
  const y = new Float64Array(n);
  let l = 1000;
  for (let t = 0; t < n; t++) {
    l += 0.3 * sd(t) * normal();
    y[t] = l + sd(t) * noise();
  }
  return y;
}

const halfWidth = (upper: Float64Array, mean: Float64Array, i: number) =>
  (upper[i] as number) - (mean[i] as number);

describe('interval calibration from in-sample errors', () => {
  it('steps the fitted model as its fit did: the one-step residuals give its σ²', () => {
    const y = walk(120, draws(3).normal, () => 5);
    const fit = fitEts(y, { error: 'A', trend: 'A', season: 'N', m: 1 });
    assert.ok(fit);
    const { oneStep } = inSampleErrors(fit, y, 6);
    const sse = oneStep.reduce((a, e) => a + e * e, 0);
    assert.ok(Math.abs(sse / (y.length - fit.np) - fit.sigma2) < 1e-9 * fit.sigma2);
  });

  it('narrows both intervals after the series has calmed down, by √(w·r + 1 − w)', () => {
    const y = walk(240, draws(5).normal, (t) => (t < 180 ? 20 : 4));
    const fit = fitEts(y, { error: 'A', trend: 'N', season: 'N', m: 1 });
    assert.ok(fit);
    const f = forecastEts(fit, 10);
    const c = calibrateEtsIntervals(fit, y, f);
    const { oneStep } = inSampleErrors(fit, y, 10);
    const w = recentWindow(1);
    const ms = (v: Float64Array) => v.reduce((a, e) => a + e * e, 0) / v.length;
    const r = ms(oneStep.subarray(oneStep.length - w)) / ms(oneStep);
    const factor = Math.sqrt(RECENT_WEIGHT * r + 1 - RECENT_WEIGHT);
    assert.ok(factor < 0.9, `factor ${factor}`);
    for (const i of [0, 9]) {
      const ratio = halfWidth(c.upper95, c.mean, i) / halfWidth(f.upper95, f.mean, i);
      assert.ok(Math.abs(ratio - factor) < 1e-9, `step ${i + 1}: ${ratio} vs ${factor}`);
      assert.ok((c.lower80[i] as number) > (c.lower95[i] as number));
      assert.ok((c.upper80[i] as number) < (c.upper95[i] as number));
    }
  });

  it('gives heavy-tailed errors a narrower 80% interval beside the 95% one than normal errors', () => {
    const ratio80to95 = (noise: () => number) => {
      const y = walk(400, noise, () => 10);
      const fit = fitEts(y, { error: 'A', trend: 'N', season: 'N', m: 1 });
      assert.ok(fit);
      const c = calibrateEtsIntervals(fit, y, forecastEts(fit, 1));
      return halfWidth(c.upper80, c.mean, 0) / halfWidth(c.upper95, c.mean, 0);
    };
    const normal = ratio80to95(draws(7).normal);
    const laplace = ratio80to95(draws(7).laplace);
    // Normal: 1.2816 / 1.9600 = 0.654; Laplace: ln 5 / ln 20 = 0.537.
    assert.ok(Math.abs(normal - Z80 / Z95) < 0.06, `normal ${normal}`);
    assert.ok(laplace < normal - 0.05, `laplace ${laplace}, normal ${normal}`);
  });

  it('leaves the intervals of a series shorter than two recent windows as the model gave them', () => {
    const y = walk(2 * recentWindow(1) - 1, draws(9).normal, () => 5);
    const fit = fitEts(y, { error: 'A', trend: 'N', season: 'N', m: 1 });
    assert.ok(fit);
    const f = forecastEts(fit, 4);
    assert.equal(calibrateEtsIntervals(fit, y, f), f);
  });

  const dep = departures();
  it('covers 80% and 95% of real departures within 5 points (model intervals: 88.3% and 97.8%)', {
    skip: dep ? false : 'shared/data/series/departures not present',
  }, async () => {
    const r = await evaluateForecasts(dep as InputSeries[], {
      season: 12,
      horizon: 12,
      origins: 3,
    });
    const { coverage80, coverage95 } = r.overall.auto;
    assert.ok(coverage80 !== null && Math.abs(coverage80 - 0.8) <= 0.05, `80%: ${coverage80}`);
    assert.ok(coverage95 !== null && Math.abs(coverage95 - 0.95) <= 0.05, `95%: ${coverage95}`);
  });
});
