import { Cron } from 'croner';
import type { Logger } from '../../ops/logger.js';
import type { Service } from '../../ops/service.js';
import type { LakeQuery } from '../../query/lake-query.js';
import { runDemandForecastJob } from './demand-forecast-job.js';
import type { DemandForecastWrite, DemandStore } from './demand-store.js';
import { ForecastPool } from './forecast-pool.js';

/** Default schedule of the demand forecast job (UTC): hourly at :15, refreshing the daily forecasts. */
export const DEFAULT_FORECAST_SCHEDULE = '15 * * * *';

/**
 * Runs the demand forecast job on a cron schedule, and once `firstRunAfterMs` after start
 * (so a fresh platform shows forecasts without waiting a day). A failed run is logged and
 * retried at the next tick; runs never overlap. Each run fits on a ForecastPool of
 * `threads` worker threads (default defaultForecastThreads()), started for the run and
 * ended after it, so the event loop keeps serving requests and no thread idles between runs.
 */
export function startForecastJob(opts: {
  openLake: () => Promise<LakeQuery>;
  store: DemandStore;
  logger: Logger;
  schedule?: string;
  firstRunAfterMs?: number;
  /** Fitting threads per run; default defaultForecastThreads(). */
  threads?: number;
  /** Writes each run to the forecasts pond as well. */
  writePond?: (runDate: string, series: DemandForecastWrite[]) => Promise<unknown>;
}): Service {
  let running: Promise<void> | undefined;
  const run = () => {
    if (running) return;
    running = (async () => {
      const pool = await ForecastPool.start({ threads: opts.threads });
      try {
        const lake = await opts.openLake();
        try {
          const t0 = Date.now();
          const r = await runDemandForecastJob(
            lake,
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
        } finally {
          await lake.close();
        }
      } finally {
        await pool.close();
      }
    })()
      .catch((err) =>
        opts.logger.warn('demand forecast job failed', { error: (err as Error).message }),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const cron = new Cron(opts.schedule ?? DEFAULT_FORECAST_SCHEDULE, { timezone: 'UTC' }, run);
  const first = setTimeout(run, opts.firstRunAfterMs ?? 150_000);
  first.unref();
  return {
    name: 'forecast',
    stop: async () => {
      cron.stop();
      clearTimeout(first);
      await running;
    },
  };
}
