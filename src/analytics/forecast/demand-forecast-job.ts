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
/**
 * Milliseconds the job holds the event loop at most between two turns [2]: shorter than
 * TimeSlice's 10 ms, as an idle request takes 2–7 ms and a 10 ms slice alone was longer
 * than the 2x of idle allowed; the whole pass now takes 6–10 ms, so a few more turns cost nothing.
 */
export const DEMAND_SLICE_MS = 2;

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
 * default DEMAND_SLICE_MS) between which requests are served: summing a year of counts for 100
 * markets held the loop 100–400 ms in one piece on a loaded 2-core machine, and still
 * took 40–55 ms of its CPU in slices before each market's series and each date were
 * looked up once rather than per row, 6–10 ms after).
 */
export async function forecastDemand(
  rows: readonly DailyCount[],
  options: DemandForecastOptions,
  fit: Fitter,
  slice: TimeSlice = new TimeSlice(DEMAND_SLICE_MS),
): Promise<DemandForecastWrite[]> {
  const horizon = options.horizon ?? 28;
  const season = options.season ?? 7;
  const historyDays = options.historyDays ?? DEFAULT_FIT_HISTORY_DAYS;
  const storedDays = options.storedDays ?? DEFAULT_STORED_DAYS;
  const minDays = options.minDays ?? 14;
  const end = dayOf(options.asOf ?? new Date().toISOString().slice(0, 10)); // exclusive
  const start = end - historyDays;
  type Series = { scope: 'market' | 'airport'; key: string; first: number; counts: Float64Array };
  const series = new Map<string, Series>();
  const seriesOf = (scope: 'market' | 'airport', key: string, day: number): Series => {
    const id = `${scope}\u0000${key}`;
    let s = series.get(id);
    if (!s) {
      s = { scope, key, first: day, counts: new Float64Array(historyDays) };
      series.set(id, s);
    }
    return s;
  };
  // Per row only two map lookups and an add: the series a market's count goes to (the
  // market, its origin and its destination airport) are found once per market, a date's
  // day once per date. Parsing each row's date and key (36,500 rows for 100 markets) was
  // most of the event loop's time in the job.
  const targets = new Map<string, Series[]>();
  const days = new Map<string, number>();
  for (const r of rows) {
    if (slice.due()) await slice.pause();
    let day = days.get(r.date);
    if (day === undefined) {
      day = dayOf(r.date);
      days.set(r.date, day);
    }
    if (!(day >= start && day < end) || !(r.count > 0)) continue;
    let to = targets.get(r.key);
    if (!to) {
      const [o, d] = r.key.split('-');
      to = [seriesOf('market', r.key, day)];
      if (o) to.push(seriesOf('airport', o, day));
      if (d && d !== o) to.push(seriesOf('airport', d, day));
      targets.set(r.key, to);
    }
    const i = day - start;
    for (const s of to) {
      if (day < s.first) s.first = day;
      s.counts[i] = (s.counts[i] as number) + r.count;
    }
  }
  // Every series' dates fall in [start, end + horizon): each date string is made once.
  const dates: string[] = [];
  const date = (day: number) => (dates[day - start] ??= dateOf(day));
  const clip = (v: number) => Math.max(0, v);
  const jobs: Promise<DemandForecastWrite>[] = [];
  for (const s of series.values()) {
    if (slice.due()) await slice.pause();
    const y = s.counts.subarray(s.first - start);
    if (y.length < minDays) continue;
    const m = y.length >= 2 * season ? season : 1;
    const job = fit({ y: Float64Array.from(y), m, h: horizon }).then((r) => {
      const fc = r.forecast;
      const from = Math.max(0, y.length - storedDays);
      return {
        scope: s.scope,
        key: s.key,
        model: r.model,
        history: Array.from(y.subarray(from), (count, i) => ({
          date: date(s.first + from + i),
          count,
        })),
        forecast: Array.from(fc.mean, (mean, i) => ({
          date: date(end + i),
          mean: clip(mean),
          lower80: clip(fc.lower80[i] as number),
          upper80: clip(fc.upper80[i] as number),
          lower95: clip(fc.lower95[i] as number),
          upper95: clip(fc.upper95[i] as number),
        })),
      };
    });
    // Promise.all below handles a failed fit; until it runs (the loop pauses between
    // slices) a rejection must not count as unhandled, which would end the process.
    job.catch(() => {});
    jobs.push(job);
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
 * The scheduled forecast job: daily counts from the lake (opened by `openLake` and closed
 * as soon as they are read: a DuckDB instance that scanned the history holds what it read
 * until closed, and the fits and writes take tens of seconds while the demo's history
 * loads), forecasts (forecastDemand, fitted by `fit`: a ForecastPool in a serving process),
 * written to the row store (DemandStore.write) and, with `writePond`, to a pond. Returns
 * the number of series written.
 */
export async function runDemandForecastJob(
  openLake: () => Promise<LakeQuery>,
  store: DemandStore,
  fit: Fitter,
  options: DemandForecastOptions = {},
  now: () => Date = () => new Date(),
  /** Also writes the run to the `demand_forecasts` pond (see writeForecastPond). */
  writePond?: (runDate: string, series: DemandForecastWrite[]) => Promise<unknown>,
): Promise<{ series: number }> {
  const t = now();
  const lake = await openLake();
  let rows: DailyCount[];
  try {
    rows = await dailySearchCounts(lake, options.historyDays ?? DEFAULT_FIT_HISTORY_DAYS);
  } finally {
    await lake.close();
  }
  const out = await forecastDemand(rows, { asOf: t.toISOString().slice(0, 10), ...options }, fit);
  await store.migrate();
  await store.write(out, t);
  await writePond?.(t.toISOString().slice(0, 10), out);
  return { series: out.length };
}
