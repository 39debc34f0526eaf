/**
 * The ETL role's composition over a row store: stores, engine, runner, session opener
 * and the task list (default ponds, customer jobs and the demand forecast). Used by `faresight etl ...`,
 * `faresight customers ...` and `startEtlRole` (the scheduler of `faresight etl run` and
 * `faresight up`). It lives in the composition root because it joins etl, tenancy and
 * the SQL endpoint, which must not import each other in a circle.
 */
import * as path from 'node:path';
import type { Registry } from 'prom-client';
import { DemandStore } from '../../analytics/forecast/demand-store.js';
import { writeForecastPond } from '../../analytics/forecast/duckdb/forecast-pond-writer.js';
import {
  DEFAULT_FORECAST_SCHEDULE,
  FORECAST_TASK,
  runForecastJob,
} from '../../analytics/forecast/run-forecast-job.js';
import type { Config } from '../../config/config.js';
import { customerJobTask } from '../../etl/customer-job-runner.js';
import { defaultPondJobs } from '../../etl/default-ponds.js';
import { startEtlEngineThread } from '../../etl/duckdb/etl-engine-thread.js';
import { UnknownJobError } from '../../etl/errors.js';
import { createEtlMetrics } from '../../etl/etl-metrics.js';
import { EtlPondCatalog } from '../../etl/etl-pond-catalog.js';
import { EtlStore } from '../../etl/etl-store.js';
import type { EtlTask } from '../../etl/etl-task.js';
import type { JobDefinition } from '../../etl/job.js';
import { JobRunner } from '../../etl/job-runner.js';
import { recordedTask } from '../../etl/recorded-task.js';
import { type EtlJobs, startEtl } from '../../etl/start-etl.js';
import { lakeRoot } from '../../lake/lake-layout.js';
import type { Logger } from '../../ops/logger.js';
import { logWorkerEvents } from '../../ops/restarting-worker.js';
import type { Service } from '../../ops/service.js';
import type { SqlClient } from '../../sql/sql-client.js';
import {
  createCustomerSlices,
  createSessionOpener,
  type SessionOpener,
} from '../../sql-endpoint/session-opener.js';
import type { CustomerSlices } from '../../tenancy/customer-slices.js';
import { CustomerStore } from '../../tenancy/customer-store.js';
import { openLake } from './lake.js';

/**
 * How long after the scheduler starts the demand forecast catches up on its latest slot,
 * so a fresh platform (the demo's history posted at start, flushed to the lake) shows
 * forecasts without waiting for the next hourly fire.
 */
export const DEFAULT_FORECAST_CATCH_UP_MS = 150_000;

export interface EtlContext extends EtlJobs {
  readonly store: EtlStore;
  readonly customers: CustomerStore;
  readonly runner: JobRunner;
  readonly jobs: readonly JobDefinition[];
  readonly openSession: SessionOpener;
  readonly lakeRoot: string;
  /** The job named `name`; throws UnknownJobError. */
  job(name: string): JobDefinition;
  /** Default pond jobs, every customer job and the demand forecast, as scheduler tasks. */
  tasks(): Promise<EtlTask[]>;
  /** The demand forecast task (FORECAST_TASK), recorded in the run history as the scheduler runs it. */
  readonly forecast: EtlTask;
  /** The customers' slices of the ponds (rewritten on grant, deleted on revoke). */
  readonly slices: CustomerSlices;
  /** Closes the engine (not the SqlClient, which the caller owns). */
  close(): Promise<void>;
}

/** Builds the context and creates the ETL and tenancy tables when missing. */
export async function openEtlContext(deps: {
  /** The lake under `dataDir`, the `etl` section and the `sql` limits of customer sessions. */
  config: Pick<Config, 'dataDir' | 'etl' | 'sql' | 'lake'>;
  sql: SqlClient;
  logger: Logger;
  registry?: Registry;
  /** Catch-up delay of the demand forecast; default DEFAULT_FORECAST_CATCH_UP_MS. */
  forecastCatchUpMs?: number;
}): Promise<EtlContext> {
  const store = new EtlStore(deps.sql);
  const customers = new CustomerStore(deps.sql);
  await store.migrate();
  await customers.migrate();
  const root = path.resolve(lakeRoot(deps.config.dataDir));
  // On a thread of its own: closing a DuckDB instance that scanned the history blocks
  // the thread it runs on for up to seconds, and this one serves the API in `up`.
  const engine = await startEtlEngineThread({
    threads: deps.config.etl.threads,
    memoryLimit: deps.config.etl.memoryLimit,
    onEvent: logWorkerEvents(deps.logger, 'the ETL engine thread'),
  });
  const metrics = deps.registry ? createEtlMetrics(deps.registry) : undefined;
  const ponds = new EtlPondCatalog(store, deps.config.etl.schedules);
  const slices = createCustomerSlices(deps.config, ponds.configured());
  const runner = new JobRunner({
    store,
    engine,
    lakeRoot: root,
    logger: deps.logger,
    ...(metrics ? { metrics } : {}),
    onPublished: (job) => slices.refreshPond(job.pond, customers),
  });
  const jobs = defaultPondJobs(deps.config.etl.schedules);
  const demand = new DemandStore(deps.sql);
  // Fitting runs on worker threads (runForecastJob), so the process this task lands on
  // (`faresight etl`, or `up` embedded) keeps its event loop for requests.
  const forecastTask = recordedTask(
    {
      name: FORECAST_TASK,
      schedule: deps.config.etl.schedules[FORECAST_TASK] ?? DEFAULT_FORECAST_SCHEDULE,
      catchUpAfterMs: deps.forecastCatchUpMs ?? DEFAULT_FORECAST_CATCH_UP_MS,
      run: async ({ signal } = {}) => {
        const r = await runForecastJob({
          ...(signal ? { signal } : {}),
          openLake: () => openLake(deps.config),
          store: demand,
          logger: deps.logger.child('forecast'),
          writePond: (day, series) => writeForecastPond(deps.config.dataDir, day, series),
        });
        return { rows: r.series };
      },
    },
    store,
    runner.runnerId,
    deps.logger,
    metrics,
  );
  const openSession = createSessionOpener({
    config: deps.config,
    customers,
    ponds,
    slices,
  });
  const job = (name: string) => {
    const j = jobs.find((x) => x.name === name);
    if (!j)
      throw new UnknownJobError(
        name,
        jobs.map((x) => x.name),
      );
    return j;
  };
  return {
    store,
    customers,
    runner,
    jobs,
    openSession,
    slices,
    lakeRoot: root,
    job,
    forecast: forecastTask,
    async tasks() {
      const pondTasks: EtlTask[] = jobs.map((j) => ({
        name: j.name,
        schedule: j.schedule,
        run: (opts) => runner.run(j, opts),
      }));
      const customerTasks = (await customers.jobs()).map((cj) =>
        customerJobTask(cj, {
          store,
          openSession,
          lakeRoot: root,
          logger: deps.logger,
          runnerId: runner.runnerId,
          ...(metrics ? { metrics } : {}),
        }),
      );
      return [...pondTasks, ...customerTasks, forecastTask];
    },
    close: () => engine.close(),
  };
}

/**
 * The ETL role as `faresight etl run` and `faresight up` start it: the context over `sql`
 * and the scheduler over it (pg-boss when the row store is PostgreSQL). Stopping the
 * service closes the context; `context` is there for one-off runs beside the schedule
 * (the admin API's).
 */
export async function startEtlRole(deps: {
  /** As openEtlContext's, and `rowStore` (pg-boss schedules on PostgreSQL). */
  config: Pick<Config, 'dataDir' | 'etl' | 'sql' | 'lake' | 'rowStore'>;
  sql: SqlClient;
  logger: Logger;
  registry?: Registry;
  pgBossSchema?: string;
  forecastCatchUpMs?: number;
}): Promise<Service & { readonly context: EtlContext }> {
  const jobs = await openEtlContext(deps);
  const service = await startEtl({
    jobs,
    etl: deps.config.etl,
    postgresUrl: deps.config.rowStore.backend === 'postgres' ? deps.config.rowStore.url : undefined,
    logger: deps.logger,
    ...(deps.registry ? { registry: deps.registry } : {}),
    ...(deps.pgBossSchema ? { pgBossSchema: deps.pgBossSchema } : {}),
  });
  return Object.assign(service, { context: jobs });
}
