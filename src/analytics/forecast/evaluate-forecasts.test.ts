import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import { mase, maseScale, msis, smape } from './accuracy.js';
import { evaluateForecasts } from './evaluate-forecasts.js';
import { ForecastPool } from './forecast-pool.js';
import { parseSeriesCsv } from './series-csv.js';
import { trendSeasonCsv } from './testing/series-fixtures.js';

describe('accuracy measures', () => {
  it('computes the M4 interval score (MSIS at 95%): width plus 40× each miss, scaled', () => {
    // widths 2, 2, 2; misses: 1 below (y = 0 under 1) and 2 above (y = 7 over 5)
    const v = msis([2, 0, 7], [1, 1, 3], [3, 3, 5], 2);
    assert.equal(v, (2 + (2 + 40 * 1) + (2 + 40 * 2)) / 3 / 2);
    assert.ok(Number.isNaN(msis([1], [0], [2], 0)));
  });
  it('computes MASE, sMAPE (M4, percent) by their definitions', () => {
    assert.equal(maseScale([1, 2, 4, 8], 1), 7 / 3);
    assert.equal(mase([10, 20], [12, 17], 2.5), 1);
    assert.ok(Math.abs(smape([100, 0], [50, 0]) - (200 / 2) * (50 / 150)) < 1e-12);
    assert.ok(Number.isNaN(mase([1], [1], 0)));
  });
});

describe('series CSV', () => {
  it('sorts each series by date and rejects bad rows with their line', () => {
    const s = parseSeriesCsv('series_id,date,value\na,1949-02,2\nb,2020-01-01,5\na,1949-01,1\n');
    assert.deepEqual([...(s.find((x) => x.id === 'a')?.values ?? [])], [1, 2]);
    assert.throws(
      () => parseSeriesCsv('series_id,date,value\na,2020-01-01,1\na,2020-01-01,2\n', 'x.csv'),
      /x\.csv:3: date 2020-01-01 repeated/,
    );
    assert.throws(
      () => parseSeriesCsv('id,date,value\n', 'x.csv'),
      /x\.csv:1: missing column "series_id"/,
    );
    assert.throws(
      () => parseSeriesCsv('series_id,date,value\na,someday,1\n', 'x.csv'),
      /x\.csv:2: date "someday"/,
    );
  });
});

describe('forecast evaluate', () => {
  it('scores the rolling origins: seasonal naive MASE 1 on trend + season, ETS near 0', async () => {
    const series = parseSeriesCsv(trendSeasonCsv('ts', 60));
    const skipped: string[] = [];
    const r = await evaluateForecasts(
      [...series, { id: 'tiny', dates: ['1', '2'], values: Float64Array.from([1, 2]) }],
      {
        season: 4,
        horizon: 4,
        origins: 3,
        onSkip: (id) => skipped.push(id),
      },
    );
    assert.deepEqual(skipped, ['tiny']);
    assert.equal(r.series.length, 1);
    assert.ok(Math.abs((r.overall.snaive.mase ?? 0) - 1) < 1e-12);
    assert.ok((r.overall.auto.mase ?? 1) < 0.05, `auto mase ${r.overall.auto.mase}`);
    assert.match(r.series[0]?.model ?? '', /^ETS\(A,A,A\)$|^ETS\(A,Ad,A\)$|^ETS\(M,/);
    assert.ok(r.overall.fitsPerSecond > 0);
  });

  it('gives the same report on worker threads as on this thread, with no fit on this thread', async () => {
    const series = [
      ...parseSeriesCsv(trendSeasonCsv('a', 60)),
      ...parseSeriesCsv(trendSeasonCsv('b', 52)),
    ];
    const options = { season: 4, horizon: 4, origins: 3 };
    const inline = await evaluateForecasts(series, options);
    const pool = await ForecastPool.start({ threads: 2 });
    try {
      const threads = new Set<number>();
      const pooled = await evaluateForecasts(series, {
        ...options,
        fit: async (req) => {
          const r = await pool.fit(req);
          threads.add(r.threadId);
          return r;
        },
      });
      assert.deepEqual(pooled.series, inline.series);
      assert.deepEqual(pooled.overall.auto, inline.overall.auto);
      assert.equal(threads.has(threadId), false, 'a fit ran on the main thread');
      // A bad series is refused with its reason, and the threads go on fitting.
      await assert.rejects(
        pool.fit({ y: Float64Array.from([1, 2, Number.NaN, 4]), m: 1, h: 2 }),
        (err: Error) =>
          err instanceof RangeError && /observation 2 is not a finite number/.test(err.message),
      );
      const again = await pool.fit({ y: series[0]!.values, m: 4, h: 4 });
      assert.equal(again.forecast.mean.length, 4);
    } finally {
      await pool.close();
    }
    await assert.rejects(
      pool.fit({ y: series[0]!.values, m: 4, h: 4 }),
      /the forecast pool is closed/,
    );
  });
});
