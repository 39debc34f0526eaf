import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { admissible } from './admissible.js';
import { autoEts, candidateSpecs } from './auto-ets.js';
import { forecastEts } from './ets-forecast.js';
import { fitEts } from './fit-ets.js';
import { initialStates } from './init-state.js';

const AP_FILE = new URL(
  '../../../../shared/data/series/airpassengers/airline-passengers.csv',
  import.meta.url,
);

function airPassengers(): Float64Array | undefined {
  if (!existsSync(AP_FILE)) return undefined;
  const lines = readFileSync(AP_FILE, 'utf8').trim().split('\n').slice(1);
  return Float64Array.from(lines, (l) => Number(l.split(',')[1]));
}

/** A seeded standard normal stream. */
function normals(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe('ETS likelihood', () => {
  it('matches a hand computation of n·log(SSE) for ETS(A,N,N) with fixed α and ℓ0', () => {
    const y = Float64Array.from([10, 12, 11, 13, 12, 14]);
    const fit = fitEts(
      y,
      { error: 'A', trend: 'N', season: 'N', m: 1 },
      { fixed: { alpha: 0.5, level: 10 } },
    );
    assert.ok(fit);
    // ℓ: 10 → 10 (e=0) → 11 (e=2) → 11 (e=0) → 12 (e=2) → 12 (e=0) → 13 (e=2): SSE = 12.
    assert.ok(Math.abs(fit.lik - 6 * Math.log(12)) < 1e-12);
    assert.equal(fit.final.level, 13);
    assert.equal(fit.np, 3);
    assert.ok(Math.abs(fit.aic - (6 * Math.log(12) + 6)) < 1e-12);
    assert.ok(Math.abs(fit.aicc - (6 * Math.log(12) + 6 + 24 / 2)) < 1e-12);
    assert.ok(Math.abs(fit.sigma2 - 12 / 3) < 1e-12);
  });

  it('adds 2·Σ log ŷ for multiplicative error', () => {
    const y = Float64Array.from([10, 12, 11, 13, 12, 14]);
    const fit = fitEts(
      y,
      { error: 'M', trend: 'N', season: 'N', m: 1 },
      { fixed: { alpha: 0.5, level: 10 } },
    );
    assert.ok(fit);
    // Forecasts 10, 10, 11, 11, 12, 12; relative errors 0, 0.2, 0, 2/11, 0, 2/12.
    const sse = 0.04 + (2 / 11) ** 2 + (2 / 12) ** 2;
    const expected =
      6 * Math.log(sse) + 2 * (2 * Math.log(10) + 2 * Math.log(11) + 2 * Math.log(12));
    assert.ok(Math.abs(fit.lik - expected) < 1e-9);
  });

  it('checks admissibility like R (the unit root of an undamped seasonal model is allowed)', () => {
    assert.equal(admissible(0.3, 0.01, 0.1, 0.98, 12), true);
    assert.equal(admissible(0.0167, undefined, 0.0492, undefined, 12), true);
    assert.equal(admissible(0.3, undefined, 1.9, undefined, 12), false);
  });
});

describe('initial states', () => {
  it('recovers the level, slope and seasonal figure of an exact additive pattern', () => {
    const fig = [3, -1, -2, 0];
    const y = Float64Array.from({ length: 24 }, (_, t) => 50 + 2 * t + (fig[t % 4] as number));
    const s = initialStates(y, y.length, 'A', 'A', 4);
    for (let k = 0; k < 4; k++)
      assert.ok(Math.abs((s.season[k] as number) - (fig[k] as number)) < 1e-9);
    assert.ok(Math.abs(s.trend - 2) < 1e-9);
    assert.ok(Math.abs(s.level - 48) < 1e-9);
  });
});

describe('automatic ETS', () => {
  it('follows R’s candidate rules', () => {
    const pos = Float64Array.from({ length: 48 }, (_, i) => 10 + (i % 12));
    assert.equal(candidateSpecs(pos, 48, 12).length, 15);
    const neg = Float64Array.from(pos, (v) => v - 15);
    assert.deepEqual(
      candidateSpecs(neg, 48, 12).map((s) => `${s.error}${s.trend}${s.season}`),
      ['ANN', 'ANA', 'AAN', 'AAA', 'AAdN', 'AAdA'],
    );
    assert.equal(candidateSpecs(pos, 48, 1).length, 6);
    assert.equal(candidateSpecs(pos, 48, 52).length, 6);
  });

  it('forecasts a constant series as that constant with zero-width intervals', () => {
    const r = autoEts(new Float64Array(30).fill(7), { m: 7 });
    const f = forecastEts(r.fit, 5);
    assert.deepEqual([...f.mean], [7, 7, 7, 7, 7]);
    assert.deepEqual([...f.lower80], [7, 7, 7, 7, 7]);
  });

  it('recovers α of a simulated local-level (SES) process and its interval widths', () => {
    const z = normals(3);
    const n = 2000;
    const y = new Float64Array(n);
    let l = 100;
    for (let t = 0; t < n; t++) {
      const e = z();
      y[t] = l + e;
      l += 0.3 * e;
    }
    const fit = fitEts(y, { error: 'A', trend: 'N', season: 'N', m: 1 });
    assert.ok(fit);
    assert.ok(Math.abs(fit.alpha - 0.3) < 0.05, `alpha ${fit.alpha}`);
    assert.ok(Math.abs(fit.sigma2 - 1) < 0.1, `sigma2 ${fit.sigma2}`);
    const f = forecastEts(fit, 3);
    // SES: var(h) = σ²(1 + (h−1)α²).
    const w3 = (f.upper95[2] as number) - (f.mean[2] as number);
    assert.ok(
      Math.abs(w3 - 1.959963984540054 * Math.sqrt(fit.sigma2 * (1 + 2 * fit.alpha ** 2))) < 1e-9,
    );
  });

  it('gives simulated intervals that contain about 80% of a multiplicative process', () => {
    const z = normals(11);
    const n = 400;
    const y = new Float64Array(n + 1);
    const fit = (() => {
      let l = 50;
      for (let t = 0; t < n; t++) {
        const e = 0.05 * z();
        y[t] = l * (1 + e);
        l *= 1 + 0.5 * e;
      }
      return fitEts(y.subarray(0, n), { error: 'M', trend: 'N', season: 'N', m: 1 });
    })();
    assert.ok(fit);
    const f = forecastEts(fit, 1, { paths: 4000 });
    const ratio = ((f.upper80[0] as number) - (f.mean[0] as number)) / (f.mean[0] as number);
    assert.ok(Math.abs(ratio - 1.2816 * Math.sqrt(fit.sigma2)) < 0.01, `ratio ${ratio}`);
  });

  const ap = airPassengers();
  it('fits AirPassengers at least as well as R (R: ETS(M,Ad,M), AICc 1400.64; ETS(A,N,N) AICc 1733.96)', {
    skip: ap ? false : 'shared/data/series/airpassengers not present',
  }, () => {
    const y = ap as Float64Array;
    const ann = fitEts(y, { error: 'A', trend: 'N', season: 'N', m: 1 });
    assert.ok(ann && Math.abs(ann.aicc - 1733.958) < 0.1, `ANN aicc ${ann?.aicc}`);
    const madm = fitEts(
      y,
      { error: 'M', trend: 'Ad', season: 'M', m: 12 },
      { maxEvaluations: 20_000 },
    );
    // R's optimum: loglik −679.58, i.e. lik = 1359.17.
    assert.ok(madm && madm.lik < 1359.17 + 0.5, `MAdM lik ${madm?.lik}`);
    // With R's stopping rule (no absolute tolerance) the choice is at least as good as R's.
    const auto = autoEts(y, { m: 12, abstol: 0 });
    assert.match(auto.fit.name, /^ETS\(M,Ad?,M\)$/);
    assert.ok(auto.fit.aicc <= 1400.64, `aicc ${auto.fit.aicc}`);
  });
});

describe('automatic selection with early pruning', () => {
  it('chooses as well as fitting every candidate fully, with fewer evaluations', () => {
    const z = normals(11);
    let prunedEvals = 0;
    let fullEvals = 0;
    for (let k = 0; k < 6; k++) {
      // A year of daily demand: level walk, weekly pattern (multiplicative for odd k), noise.
      const y = new Float64Array(365);
      let level = 200 + 40 * k;
      for (let t = 0; t < 365; t++) {
        level += 2 * z();
        const week = 1 + 0.3 * Math.sin((2 * Math.PI * t) / 7 + k);
        y[t] = k % 2 ? level * week * (1 + 0.05 * z()) : level + 60 * (week - 1) + 8 * z();
      }
      const pruned = autoEts(y, { m: 7 });
      const full = autoEts(y, { m: 7, pruneMargin: Number.POSITIVE_INFINITY });
      prunedEvals += pruned.evaluations;
      fullEvals += full.evaluations;
      // AICc differences below 2 are "substantial support" for both (Burnham and Anderson).
      assert.ok(
        pruned.fit.aicc <= full.fit.aicc + 2,
        `series ${k}: pruned ${pruned.fit.name} AICc ${pruned.fit.aicc} vs full ${full.fit.name} ${full.fit.aicc}`,
      );
      assert.equal(pruned.candidates.length, full.candidates.length);
    }
    assert.ok(prunedEvals < fullEvals, `pruned ${prunedEvals} vs full ${fullEvals} evaluations`);
  });
});
