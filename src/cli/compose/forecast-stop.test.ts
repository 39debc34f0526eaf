import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DemandStore } from '../../analytics/forecast/demand-store.js';
import { ForecastStoppedError, runForecastJob } from '../../analytics/forecast/run-forecast-job.js';
import { writeLakeRecords } from '../../etl/testing/lake-fixture.js';
import { createGenerator } from '../../generator/generator.js';
import { silentLogger } from '../../ops/logger.js';
import { DuckDBLakeQuery } from '../../query/duckdb/duckdb-lake-query.js';
import { PGliteClient } from '../../sql/pglite/pglite-client.js';

const dir = mkdtempSync(join(tmpdir(), 'faresight-forecast-stop-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a forecast run stopped through its signal', () => {
  it('ends its threads, writes nothing and says it was stopped', async () => {
    // 30 days of searches received when shopped: every market seen daily is a series to fit
    const start = Date.now() - 30 * 86_400_000;
    const g = createGenerator({ seed: 3, start: new Date(start) });
    await writeLakeRecords(
      dir,
      Array.from({ length: 1200 }, (_, i) => {
        const at = new Date(start + i * 2_160_000);
        return { ...g.next(at), receivedAt: at.toISOString() };
      }),
    );
    const sql = await PGliteClient.open();
    const store = new DemandStore(sql);
    try {
      await store.migrate();
      const stop = new AbortController();
      const run = runForecastJob({
        // the stop comes once the run has started its threads, before any fit is answered
        openLake: async () => {
          stop.abort();
          return DuckDBLakeQuery.open({ dataDir: dir });
        },
        store,
        logger: silentLogger,
        threads: 1,
        signal: stop.signal,
      });
      await assert.rejects(run, (err: Error) => {
        assert.ok(err instanceof ForecastStoppedError, `${err.name}: ${err.message}`);
        assert.match(err.message, /stopped \(the process is stopping\)/);
        return true;
      });
      const [n] = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM demand_forecasts');
      assert.equal(n?.n, 0);
      // unstopped, the same lake has series to forecast (the stop above is what ended it)
      const done = await runForecastJob({
        openLake: () => DuckDBLakeQuery.open({ dataDir: dir }),
        store,
        logger: silentLogger,
        threads: 1,
      });
      assert.ok(done.series > 0, `${done.series} series`);
    } finally {
      await sql.close();
    }
  });
});

describe('a forecast run', () => {
  it('closes the lake once the counts are read, before it fits and writes', async () => {
    // the lake written by the stopped run's test above
    const sql = await PGliteClient.open();
    const events: string[] = [];
    const store: DemandStore = Object.create(new DemandStore(sql));
    store.write = async (series, at) => {
      events.push('write');
      return DemandStore.prototype.write.call(store, series, at);
    };
    try {
      const done = await runForecastJob({
        openLake: async () => {
          const lake = await DuckDBLakeQuery.open({ dataDir: dir });
          const close = lake.close.bind(lake);
          lake.close = () => {
            events.push('lake closed');
            return close();
          };
          return lake;
        },
        store,
        logger: silentLogger,
        threads: 1,
      });
      assert.ok(done.series > 0);
      assert.deepEqual(events, ['lake closed', 'write']);
    } finally {
      await sql.close();
    }
  });
});
