import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forecastDemand } from './demand-forecast-job.js';
import { fitInline } from './fit-series.js';
import { weeklyCounts as counts } from './testing/weekly-counts.js';

describe('demand forecast job', () => {
  it('forecasts 28 days per market and per airport with ordered intervals', async () => {
    const out = await forecastDemand(counts(), { asOf: '2030-03-12' }, fitInline);
    assert.deepEqual(out.map((s) => `${s.scope}:${s.key}`).sort(), [
      'airport:JFK',
      'airport:LAX',
      'airport:SFO',
      'market:JFK-LAX',
      'market:JFK-SFO',
    ]);
    const lax = out.find((s) => s.key === 'JFK-LAX');
    assert.ok(lax);
    assert.equal(lax.forecast.length, 28);
    assert.equal(lax.forecast[0]?.date, '2030-03-12');
    assert.equal(lax.history.length, 70);
    // An exact weekly pattern: the forecast repeats it (day 70 has the pattern of day 0).
    assert.ok(Math.abs((lax.forecast[0]?.mean ?? 0) - 100) < 1, `mean ${lax.forecast[0]?.mean}`);
    for (const f of lax.forecast)
      assert.ok(
        f.lower95 <= f.lower80 &&
          f.lower80 <= f.mean &&
          f.mean <= f.upper80 &&
          f.upper80 <= f.upper95,
      );
    const jfk = out.find((s) => s.key === 'JFK' && s.scope === 'airport');
    assert.equal(jfk?.history[0]?.count, 120);
    // Missing days count 0: SFO's history has zeros, so only additive models qualify.
    const sfo = out.find((s) => s.key === 'JFK-SFO');
    assert.equal(sfo?.history[5]?.count, 0);
    assert.match(sfo?.model ?? '', /^ETS\(A,/);
  });
});
