import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mase, maseScale } from './accuracy.js';
import { fitSeries } from './fit-series.js';
import { fourierSeason, seasonallyAdjust } from './fourier-season.js';
import { calibrateIntervals, longSeasonCandidates, longSeasonForecast } from './long-season.js';
import { seasonalNaive } from './seasonal-naive.js';
import { thetaForecast } from './theta.js';

function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** A yearly (m = 52) season of two harmonics, 30 units peak to peak. */
const planted = (t: number) =>
  10 * Math.sin((2 * Math.PI * t) / 52) + 5 * Math.cos((4 * Math.PI * t) / 52);

/** Weekly series: level 200 with a slow trend, the planted season, noise of sd `sd`. */
function weekly(n: number, sd: number, seed: number): Float64Array {
  const g = gaussian(seed);
  return Float64Array.from({ length: n }, (_, t) => 200 + 0.05 * t + planted(t) + sd * g());
}

describe('fourierSeason', () => {
  it('recovers a planted yearly season from five noisy cycles', () => {
    const y = weekly(260, 2, 1);
    const s = fourierSeason(y, 52);
    assert.ok(s.harmonics >= 2, `harmonics ${s.harmonics}`);
    let worst = 0;
    for (let t = 0; t < 52; t++) {
      // a multiplicative estimate is a ratio; compare it on the scale of the level
      const est = s.kind === 'multiplicative' ? (s.at(t) - 1) * (200 + 0.05 * t) : s.at(t);
      worst = Math.max(worst, Math.abs(est - planted(t)));
    }
    assert.ok(worst < 3, `largest error ${worst.toFixed(2)} on a season of ±15`);
    // the adjusted series is the trend plus noise (sd 2): the season is gone
    const adj = seasonallyAdjust(y, s);
    let ss = 0;
    for (let t = 0; t < adj.length; t++) ss += ((adj[t] as number) - (200 + 0.05 * t)) ** 2;
    const sd = Math.sqrt(ss / adj.length);
    assert.ok(sd < 2.5, `adjusted series deviates from the trend by sd ${sd.toFixed(2)}`);
  });

  it('finds no season in a series without one, and none with fewer than two cycles', () => {
    const g = gaussian(2);
    const noise = Float64Array.from({ length: 260 }, () => 100 + g());
    assert.equal(fourierSeason(noise, 52).harmonics, 0);
    assert.equal(fourierSeason(weekly(100, 1, 3), 52).harmonics, 0);
  });
});

describe('thetaForecast', () => {
  it('on a noisy linear trend drifts by half the slope per step from the SES level', () => {
    const g = gaussian(4);
    const y = Float64Array.from({ length: 120 }, (_, t) => 50 + 2 * t + g());
    const r = thetaForecast(y, 10);
    assert.ok(r);
    assert.ok(Math.abs(r.drift - 1) < 0.01, `drift ${r.drift}`);
    for (let i = 1; i < 10; i++) {
      const step = (r.forecast.mean[i] as number) - (r.forecast.mean[i - 1] as number);
      assert.ok(Math.abs(step - r.drift) < 1e-9);
      assert.ok((r.forecast.lower80[i] as number) < (r.forecast.mean[i] as number));
      assert.ok((r.forecast.upper95[i] as number) > (r.forecast.upper80[i] as number));
    }
  });

  it('returns undefined when SES cannot be fitted', () => {
    assert.equal(thetaForecast(Float64Array.from([1, 2, 3]), 2), undefined);
  });
});

describe('longSeasonForecast', () => {
  it('beats the seasonal naive and non-seasonal ETS on a planted yearly season', () => {
    const ours: number[] = [];
    const snaive: number[] = [];
    const nonSeasonal: number[] = [];
    for (let seed = 10; seed < 14; seed++) {
      const y = weekly(260 + 26, 3, seed);
      const train = y.slice(0, 260);
      const test = y.subarray(260);
      const scale = maseScale(train, 52);
      const r = longSeasonForecast(train, 52, 26);
      assert.match(r.family, /^Fourier\+/);
      ours.push(mase(test, r.forecast.mean, scale));
      snaive.push(mase(test, seasonalNaive(train, 52, 26).mean, scale));
      const ets = longSeasonCandidates(train, 52, 26, {}, new Set(['ETS'])).candidates.get('ETS');
      assert.ok(ets);
      nonSeasonal.push(mase(test, ets.forecast.mean, scale));
    }
    const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    assert.ok(avg(ours) < 0.8 * avg(snaive), `${avg(ours)} vs seasonal naive ${avg(snaive)}`);
    assert.ok(avg(ours) < 0.7 * avg(nonSeasonal), `${avg(ours)} vs ETS ${avg(nonSeasonal)}`);
  });

  it('chooses the seasonal naive when each year repeats the last one', () => {
    // y(t) = y(t − 52) + small noise: the seasonal naive is the right model
    const g = gaussian(20);
    const y = new Float64Array(312);
    for (let t = 0; t < 312; t++)
      y[t] = t < 52 ? 100 + 40 * Math.sign(Math.sin(t)) : (y[t - 52] as number) + 0.01 * g();
    const r = longSeasonForecast(y, 52, 13);
    assert.equal(r.family, 'SNaive');
  });

  it('is what fitSeries uses above m = 24: no ETS with 52 seasonal states', () => {
    const out = fitSeries({ y: weekly(260, 2, 30), m: 52, h: 13 }, 0);
    assert.doesNotMatch(out.model, /^ETS\([AM],(N|A|Ad),[AM]\)$/);
    assert.equal(out.forecast.mean.length, 13);
    for (let i = 0; i < 13; i++) {
      assert.ok((out.forecast.lower95[i] as number) <= (out.forecast.lower80[i] as number));
      assert.ok((out.forecast.lower80[i] as number) <= (out.forecast.mean[i] as number));
      assert.ok((out.forecast.mean[i] as number) <= (out.forecast.upper80[i] as number));
      assert.ok((out.forecast.upper80[i] as number) <= (out.forecast.upper95[i] as number));
    }
  });
});

describe('calibrateIntervals', () => {
  const f = {
    mean: Float64Array.from([10, 20]),
    lower80: Float64Array.from([8, 17]),
    upper80: Float64Array.from([12, 23]),
    lower95: Float64Array.from([6, 14]),
    upper95: Float64Array.from([14, 26]),
  };
  it('widens intervals whose validation errors fell outside them, narrows those that were too wide', () => {
    // 80% of the errors within 1.5 half-widths of the 80% interval (the rest at 1.5), 95% within 0.6 of the 95%
    const rel80 = Array.from({ length: 100 }, (_, i) => (i < 80 ? 1.5 * (i / 79) : 1.5));
    const rel95 = Array.from({ length: 100 }, (_, i) => (i < 95 ? 0.6 * (i / 94) : 0.6));
    const c = calibrateIntervals(f, rel80, rel95);
    assert.deepEqual([...c.mean], [10, 20]);
    assert.ok(Math.abs((c.upper80[0] as number) - 13) < 0.05, `${c.upper80[0]}`);
    assert.ok(Math.abs((c.lower80[1] as number) - 15.5) < 0.1, `${c.lower80[1]}`);
    assert.ok(Math.abs((c.upper95[1] as number) - 23.6) < 0.1, `${c.upper95[1]}`);
  });
  it('keeps the model intervals with fewer than 20 validation errors', () => {
    assert.equal(calibrateIntervals(f, [5, 5], [5, 5]), f);
  });
});
