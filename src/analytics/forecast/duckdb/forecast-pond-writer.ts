import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { TimeSlice } from '../../../ops/time-slice.js';
import type { DemandForecastWrite } from '../demand-store.js';

/** The pond of demand forecasts, beside the ETL ponds. */
export const FORECAST_POND = 'demand_forecasts';

/** Directory of one run's partition: `<dataDir>/lake/ponds/demand_forecasts/run_date=<date>`. */
export function forecastPondPartition(dataDir: string, runDate: string): string {
  return join(dataDir, 'lake', 'ponds', FORECAST_POND, `run_date=${runDate}`);
}

/**
 * Writes one run of forecasts as a Parquet partition (one row per series and forecast
 * day: scope, key, model, date, mean, lower80, upper80, lower95, upper95), replacing
 * that run date's partition: the file is built in a staging directory that is then
 * renamed into place, so a reader never sees a half-written file (between the two renames
 * the partition is absent for an instant, as with the ETL ponds).
 * Returns the rows written. The rows are written out in time slices (TimeSlice): at once,
 * the demo's forecasts held the event loop of `up` for 300-400 ms.
 */
export async function writeForecastPond(
  dataDir: string,
  runDate: string,
  series: readonly DemandForecastWrite[],
): Promise<number> {
  const target = forecastPondPartition(dataDir, runDate);
  const staging = `${target}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  const ndjson = join(staging, 'rows.ndjson');
  let rows = 0;
  // NDJSON in chunks, one a slice, so no single join holds the loop either
  const chunks: string[] = [];
  let lines: string[] = [];
  const slice = new TimeSlice();
  for (const s of series) {
    if (slice.due()) {
      chunks.push(`${lines.join('\n')}\n`);
      lines = [];
      await slice.pause();
    }
    for (const f of s.forecast) {
      lines.push(JSON.stringify({ scope: s.scope, key: s.key, model: s.model, ...f }));
      rows++;
    }
  }
  chunks.push(lines.join('\n'));
  await writeFile(ndjson, chunks);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const file = join(staging, 'data.parquet').replaceAll("'", "''");
    await conn.run(
      `COPY (SELECT * FROM read_json('${ndjson.replaceAll("'", "''")}', format = 'newline_delimited', columns = {scope: 'VARCHAR', key: 'VARCHAR', model: 'VARCHAR', date: 'DATE', mean: 'DOUBLE', lower80: 'DOUBLE', upper80: 'DOUBLE', lower95: 'DOUBLE', upper95: 'DOUBLE'}) ORDER BY scope, key, date) TO '${file}' (FORMAT parquet, COMPRESSION zstd)`,
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  rmSync(ndjson);
  mkdirSync(dirname(target), { recursive: true });
  const old = `${target}.old-${process.pid}-${Date.now()}`;
  try {
    renameSync(target, old);
  } catch {
    // no earlier run on this date
  }
  renameSync(staging, target);
  rmSync(old, { recursive: true, force: true });
  return rows;
}
