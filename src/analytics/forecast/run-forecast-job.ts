import type { Logger } from '../../ops/logger.js';
import type { LakeQuery } from '../../query/lake-query.js';
import { runDemandForecastJob } from './demand-forecast-job.js';
import type { DemandForecastWrite, DemandStore } from './demand-store.js';
import { ForecastPool } from './forecast-pool.js';

/**
 * Default schedule of the demand forecast job (UTC): hourly at :15, refreshing the daily
 * forecasts. The ETL scheduler fires it (task `demand_forecast`, overridable in
 * `etl.schedules`), so a fleet runs it once per slot whatever its number of processes.
 */
export const DEFAULT_FORECAST_SCHEDULE = '15 * * * *';

/** Name of the forecast job among the ETL tasks (run history, slots, `etl.schedules`). */
export const FORECAST_TASK = 'demand_forecast';

/** What one forecast run needs. */
export interface ForecastRunOptions {
  openLake: () => Promise<LakeQuery>;
  store: DemandStore;
  logger: Logger;
  /** Fitting threads per run; default defaultForecastThreads(). */
  threads?: number;
  /** Writes each run to the forecasts pond as well. */
  writePond?: (runDate: string, series: DemandForecastWrite[]) => Promise<unknown>;
  /**
   * Stops the run: its threads end, the fits not yet answered are dropped, and the run
   * rejects with ForecastStoppedError, having written nothing. (A stop while the results
   * are being written lets the write finish: each series is one short transaction.)
   */
  signal?: AbortSignal;
}

/** The run was stopped through its signal (the process is stopping); the next slot runs it. */
export class ForecastStoppedError extends Error {
  override readonly name = 'ForecastStoppedError';
}

/**
 * One run of the demand forecast job: daily counts from the lake, fits on a ForecastPool
 * of worker threads started for the run and ended after it (so the event loop of the
 * process keeps serving requests and no thread idles between runs), written to the row
 * store. Returns the number of series written; errors propagate (the scheduler retries).
 */
export async function runForecastJob(opts: ForecastRunOptions): Promise<{ series: number }> {
  const stopped = () =>
    new ForecastStoppedError('the forecast run was stopped (the process is stopping)');
  if (opts.signal?.aborted) throw stopped();
  const pool = await ForecastPool.start({ threads: opts.threads });
  const stop = () => void pool.close();
  opts.signal?.addEventListener('abort', stop, { once: true });
  // a stop while the threads started found no listener yet
  if (opts.signal?.aborted) stop();
  try {
    const t0 = Date.now();
    const r = await runDemandForecastJob(
      opts.openLake,
      opts.store,
      (req) => pool.fit(req),
      {},
      undefined,
      opts.writePond,
    );
    opts.logger.info('demand forecasts written', {
      ms: Date.now() - t0,
      series: r.series,
      threads: pool.threads,
    });
    return r;
  } catch (err) {
    throw opts.signal?.aborted ? Object.assign(stopped(), { cause: err }) : err;
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    await pool.close();
  }
}
