import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoEts } from './auto-ets.js';
import { forecastEts } from './ets-forecast.js';
import { fitSeries } from './fit-series.js';
import { MIN_YEARLY_HISTORY } from './multi-season.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

/** Daily demand: wandering level × weekly pattern × yearly swing of ±`yearly` × 5 % noise. */
function daily(n: number, yearly: number, seed: number): Float64Array {
  const u = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const week = Array.from({ length: 7 }, () => 1 + 0.3 * (u() - 0.5));
  const phase = u() * 2 * Math.PI;
  let level = 100 + 100 * u();
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    level *= Math.exp(WANDER * gauss());
    const w = (2 * Math.PI * t) / 365.25;
    y[t] =
      level *
      (week[t % 7] as number) *
      (1 + yearly * Math.sin(w + phase) + 0.5 * yearly * Math.cos(2 * w)) *
      (1 + 0.05 * gauss());
  }
  return y;
}

const H = 28;
/** Daily sd of the level's log random walk: a level that wanders, slowly enough for a yearly swing to show. */
const WANDER = 0.003;
/** MASE of the last H values of `y` forecast from the rest, by fitSeries and by weekly ETS alone. */
function scores(y: Float64Array) {
  const train = y.subarray(0, y.length - H);
  let scale = 0;
  for (let t = 7; t < train.length; t++)
    scale += Math.abs((train[t] as number) - (train[t - 7] as number));
  scale /= train.length - 7;
  const mase = (f: Float64Array) => {
    let s = 0;
    for (let i = 0; i < H; i++) s += Math.abs((y[train.length + i] as number) - (f[i] as number));
    return s / H / scale;
  };
  const auto = fitSeries({ y: train, m: 7, h: H }, 0);
  return {
    auto: mase(auto.forecast.mean),
    weekly: mase(forecastEts(autoEts(train, { m: 7 }).fit, H).mean),
    model: auto.model,
  };
}

describe('daily series with two years of history', () => {
  it('get a yearly component when they have a yearly season, and forecast better for it', () => {
    let auto = 0;
    let weekly = 0;
    let yearlyModels = 0;
    for (let k = 0; k < 6; k++) {
      const s = scores(daily(3 * 365 + H, 0.3, 100 + k));
      auto += s.auto;
      weekly += s.weekly;
      if (s.model.includes('Fourier(365.25')) yearlyModels++;
    }
    assert.ok(yearlyModels >= 4, `yearly component in ${yearlyModels} of 6`);
    assert.ok(auto < 0.95 * weekly, `MASE with yearly ${auto / 6}, weekly only ${weekly / 6}`);
  });

  it('keep weekly ETS when there is no yearly season', () => {
    let auto = 0;
    let weekly = 0;
    for (let k = 0; k < 6; k++) {
      const s = scores(daily(3 * 365 + H, 0, 200 + k));
      auto += s.auto;
      weekly += s.weekly;
    }
    assert.ok(auto <= 1.02 * weekly, `MASE ${auto / 6} against weekly only ${weekly / 6}`);
  });

  it('are left to weekly ETS below two years of history', () => {
    const y = daily(MIN_YEARLY_HISTORY + H - 1, 0.3, 7);
    const r = fitSeries({ y, m: 7, h: H }, 0);
    assert.equal(r.model, autoEts(y, { m: 7 }).fit.name);
  });
});
