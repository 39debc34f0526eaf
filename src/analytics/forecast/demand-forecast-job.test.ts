import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeSlice } from '../../ops/time-slice.js';
import { forecastDemand } from './demand-forecast-job.js';
import { fitInline } from './fit-series.js';
import { weeklyCounts as counts } from './testing/weekly-counts.js';

describe('demand forecast job', () => {
  it('lets the event loop turn while it sums the counts, once per slice', async () => {
    // A clock that advances 1 ms per reading: a 10 ms slice is due every 10 rows or so.
    let now = 0;
    const slice = new TimeSlice(10, () => now++);
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const rows = counts();
    const out = await forecastDemand(rows, { asOf: '2030-03-12' }, fitInline, slice);
    done = true;
    assert.equal(out.length, 5);
    // 130 rows and 5 series: about 13 slices; before, the whole pass was one (0 turns).
    assert.ok(turns >= rows.length / 20, `${turns} turns for ${rows.length} rows`);
  });

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

  it('sums each airport over its markets; repeated rows add, zero and out-of-window rows do not count', async () => {
    // 20 days to 2030-03-12 (asOf, exclusive). JFK-LAX every day (twice on day 3),
    // LAX-SFO from day 5 on, SFO-SFO (one airport, counted once) from day 10, a zero row
    // and rows before the window and on asOf itself, which are not history.
    const day = (i: number) =>
      new Date(Date.parse('2030-02-20T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10);
    const rows: { key: string; date: string; count: number }[] = [];
    for (let i = 0; i < 20; i++) {
      rows.push({ key: 'JFK-LAX', date: day(i), count: 10 + (i % 7) });
      if (i >= 5) rows.push({ key: 'LAX-SFO', date: day(i), count: 100 });
      if (i >= 10) rows.push({ key: 'SFO-SFO', date: day(i), count: 1000 });
    }
    rows.push({ key: 'JFK-LAX', date: day(3), count: 5 });
    rows.push({ key: 'LAX-SFO', date: day(2), count: 0 });
    rows.push({ key: 'JFK-LAX', date: day(20), count: 7 });
    rows.push({ key: 'LAX-SFO', date: day(-1), count: 7 });
    const out = await forecastDemand(
      rows.reverse(),
      {
        asOf: day(20),
        historyDays: 20,
        minDays: 5,
        horizon: 3,
      },
      fitInline,
    );
    const history = (scope: string, key: string) =>
      out.find((s) => s.scope === scope && s.key === key)?.history;
    const jfkLax = Array.from({ length: 20 }, (_, i) => 10 + (i % 7) + (i === 3 ? 5 : 0));
    assert.deepEqual(
      history('market', 'JFK-LAX')?.map((h) => h.count),
      jfkLax,
    );
    assert.equal(history('market', 'JFK-LAX')?.[0]?.date, day(0));
    assert.deepEqual(
      history('airport', 'JFK')?.map((h) => h.count),
      jfkLax,
    );
    // LAX's history starts with JFK-LAX's first day; LAX-SFO adds from day 5 on
    assert.deepEqual(
      history('airport', 'LAX')?.map((h) => h.count),
      jfkLax.map((c, i) => c + (i >= 5 ? 100 : 0)),
    );
    // SFO starts with LAX-SFO (day 5, not day 2's zero); SFO-SFO counts once from day 10
    const sfo = history('airport', 'SFO');
    assert.equal(sfo?.[0]?.date, day(5));
    assert.deepEqual(
      sfo?.map((h) => h.count),
      Array.from({ length: 15 }, (_, i) => 100 + (i + 5 >= 10 ? 1000 : 0)),
    );
    assert.equal(history('market', 'SFO-SFO')?.length, 10);
    assert.equal(out.length, 6);
    for (const s of out)
      assert.deepEqual(
        s.forecast.map((f) => f.date),
        [day(20), day(21), day(22)],
      );
  });

  it('fits three years, so a yearly season shows, and stores the last 365 days', async () => {
    // one market, 3 years to 2033-01-01: weekly pattern × yearly swing × a little noise
    const rows: { key: string; date: string; count: number }[] = [];
    const start = Date.parse('2030-01-01T00:00:00Z');
    const days = 3 * 365 + 1;
    let seed = 11;
    for (let i = 0; i < days; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const noise = 1 + 0.05 * (seed / 4294967296 - 0.5);
      const yearly = 1 + 0.4 * Math.sin((2 * Math.PI * i) / 365.25);
      rows.push({
        key: 'JFK-LAX',
        date: new Date(start + i * 86_400_000).toISOString().slice(0, 10),
        count: Math.round(200 * (1 + 0.1 * (i % 7)) * yearly * noise),
      });
    }
    const asOf = new Date(start + days * 86_400_000).toISOString().slice(0, 10);
    const out = await forecastDemand(rows, { asOf }, fitInline);
    const lax = out.find((s) => s.scope === 'market' && s.key === 'JFK-LAX');
    assert.match(lax?.model ?? '', /Fourier\(365\.25/);
    assert.equal(lax?.history.length, 365);
    assert.equal(lax?.history.at(-1)?.date, rows.at(-1)?.date);
    assert.equal(lax?.history.at(-1)?.count, rows.at(-1)?.count);
  });
});
