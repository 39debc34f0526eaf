import { TimeSlice } from '../../ops/time-slice.js';
import type { LakeQuery } from '../../query/lake-query.js';
import type { DemandForecastWrite, DemandStore } from './demand-store.js';
import type { Fitter } from './fit-series.js';

/** Searches of one key (market `JFK-LAX`) on one UTC day. */
export interface DailyCount {
  key: string;
  /** `YYYY-MM-DD`. */
  date: string;
  count: number;
}

export interface DemandForecastOptions {
  /** Days forecast [28]. */
  horizon?: number;
  /** Weekly seasonality [7]. */
  season?: number;
  /**
   * Days of history fitted (the most recent) [DEFAULT_FIT_HISTORY_DAYS: three years, so a
   * series with two years or more gets a yearly season beside the weekly one].
   */
  historyDays?: number;
  /** Days of history stored for the API with each forecast (the most recent) [365]. */
  storedDays?: number;
  /** Series with fewer days of history are not forecast [14]. */
  minDays?: number;
  /** First day not yet complete, `YYYY-MM-DD` [today, UTC]: history stops the day before. */
  asOf?: string;
}

/** Days of history the job fits by default: three years (see multiSeasonForecast). */
export const DEFAULT_FIT_HISTORY_DAYS = 3 * 365 + 1;
/** Days of history stored with each forecast by default. */
export const DEFAULT_STORED_DAYS = 365;

const DAY_MS = 86_400_000;
const dayOf = (d: string) => Math.floor(Date.parse(`${d}T00:00:00Z`) / DAY_MS);
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * Daily search-demand forecasts per market and per airport (an airport's demand is the
 * sum of the markets from or to it) from daily counts: missing days count 0, history
 * ends the day before `asOf`, automatic ETS with weekly seasonality (non-seasonal when
 * fewer than two weeks), `horizon` days ahead with 80% and 95% intervals, bounds clipped
 * at 0. Series with fewer than `minDays` days (from their first search) are left out.
 * The fits go to `fit` all at once (a ForecastPool spreads them over its threads; the
 * event loop only builds the series and the rows, in slices of `slice` (TimeSlice,
 * default 10 ms) between which requests are served: summing a year of counts for 100
 * markets held the loop 100–400 ms in one piece on a loaded 2-core machine).
 */
export async function forecastDemand(
  rows: readonly DailyCount[],
  options: DemandForecastOptions,
  fit: Fitter,
  slice: TimeSlice = new TimeSlice(),
): Promise<DemandForecastWrite[]> {
  const horizon = options.horizon ?? 28;
  const season = options.season ?? 7;
  const historyDays = options.historyDays ?? DEFAULT_FIT_HISTORY_DAYS;
  const storedDays = options.storedDays ?? DEFAULT_STORED_DAYS;
  const minDays = options.minDays ?? 14;
  const end = dayOf(options.asOf ?? new Date().toISOString().slice(0, 10)); // exclusive
  const start = end - historyDays;
  const series = new Map<
    string,
    { scope: 'market' | 'airport'; first: number; counts: Float64Array }
  >();
  const add = (scope: 'market' | 'airport', key: string, day: number, n: number) => {
    const id = `${scope}\u0000${key}`;
    let s = series.get(id);
    if (!s) {
      s = { scope, first: day, counts: new Float64Array(historyDays) };
      series.set(id, s);
    }
    s.first = Math.min(s.first, day);
    s.counts[day - start] = (s.counts[day - start] as number) + n;
  };
  for (const r of rows) {
    if (slice.due()) await slice.pause();
    const day = dayOf(r.date);
    if (!(day >= start && day < end) || !(r.count > 0)) continue;
    add('market', r.key, day, r.count);
    const [o, d] = r.key.split('-');
    if (o) add('airport', o, day, r.count);
    if (d && d !== o) add('airport', d, day, r.count);
  }
  const clip = (v: number) => Math.max(0, v);
  const jobs: Promise<DemandForecastWrite>[] = [];
  for (const [id, s] of series) {
    if (slice.due()) await slice.pause();
    const key = id.split('\u0000')[1] as string;
    const y = s.counts.subarray(s.first - start);
    if (y.length < minDays) continue;
    const m = y.length >= 2 * season ? season : 1;
    jobs.push(
      fit({ y: Float64Array.from(y), m, h: horizon }).then((r) => {
        const fc = r.forecast;
        return {
          scope: s.scope,
          key,
          model: r.model,
          history: Array.from(y.subarray(Math.max(0, y.length - storedDays)), (count, i) => ({
            date: dateOf(s.first + Math.max(0, y.length - storedDays) + i),
            count,
          })),
          forecast: Array.from(fc.mean, (mean, i) => ({
            date: dateOf(end + i),
            mean: clip(mean),
            lower80: clip(fc.lower80[i] as number),
            upper80: clip(fc.upper80[i] as number),
            lower95: clip(fc.lower95[i] as number),
            upper95: clip(fc.upper95[i] as number),
          })),
        };
      }),
    );
  }
  return Promise.all(jobs);
}

/** SQL of the daily search counts per market over the last `days` days (lake `searches`). */
export function dailySearchCountsSql(days: number): string {
  return `SELECT origin || '-' || destination AS key, CAST(date_trunc('day', shopped_at) AS DATE)::VARCHAR AS date,
  count(*) AS count
FROM searches
WHERE shopped_at >= CAST(now() AS TIMESTAMP) - INTERVAL ${Math.floor(days) + 1} DAY
GROUP BY ALL`;
}

/** Daily search counts per market from the lake. */
export async function dailySearchCounts(lake: LakeQuery, days: number): Promise<DailyCount[]> {
  const rows = await lake.all(dailySearchCountsSql(days));
  return rows.map((r) => ({
    key: r.key as string,
    date: r.date as string,
    count: Number(r.count),
  }));
}

/**
 * The scheduled forecast job: daily counts from the lake, forecasts (forecastDemand,
 * fitted by `fit`: a ForecastPool in a serving process), written to the row store
 * (DemandStore.write) and, with `writePond`, to a pond. Returns the number of series written.
 */
export async function runDemandForecastJob(
  lake: LakeQuery,
  store: DemandStore,
  fit: Fitter,
  options: DemandForecastOptions = {},
  now: () => Date = () => new Date(),
  /** Also writes the run to the `demand_forecasts` pond (see writeForecastPond). */
  writePond?: (runDate: string, series: DemandForecastWrite[]) => Promise<unknown>,
): Promise<{ series: number }> {
  const t = now();
  const rows = await dailySearchCounts(lake, options.historyDays ?? DEFAULT_FIT_HISTORY_DAYS);
  const out = await forecastDemand(rows, { asOf: t.toISOString().slice(0, 10), ...options }, fit);
  await store.migrate();
  await store.write(out, t);
  await writePond?.(t.toISOString().slice(0, 10), out);
  return { series: out.length };
}
