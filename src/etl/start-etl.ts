import type { Registry } from 'prom-client';
import type { EtlConfig } from '../config/config.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import { type SlotDispatcher, startEtlScheduler } from './etl-scheduler.js';
import type { EtlStore } from './etl-store.js';
import type { EtlTask } from './etl-task.js';

/** What the scheduler needs of the ETL composition (built by the composition root). */
export interface EtlJobs {
  readonly store: EtlStore;
  readonly runner: { readonly runnerId: string };
  /** Default pond jobs and every customer job, as scheduler tasks. */
  tasks(): Promise<EtlTask[]>;
  /** Releases the engine; called by the service's `stop()`. */
  close(): Promise<void>;
}

/**
 * Starts the ETL scheduler over `jobs`: the default ponds and customer jobs on their cron
 * schedules. Mode (`etl.scheduler`): `auto` = pg-boss when `postgresUrl` is given (the
 * row store is PostgreSQL, so several `faresight etl` processes share the work), else
 * in-process; `pg-boss` without `postgresUrl` is an error. Metrics go to `registry` when
 * given. `stop()` waits for running jobs, then closes `jobs`; a failed start closes it too.
 */
export async function startEtl(deps: {
  jobs: EtlJobs;
  etl: EtlConfig;
  /** The row store's PostgreSQL, where pg-boss keeps its queues; undefined on PGlite. */
  postgresUrl: string | undefined;
  logger: Logger;
  registry?: Registry;
  /** pg-boss schema override (tests); default etl.pgBossSchema. */
  pgBossSchema?: string;
}): Promise<Service> {
  const { etl, logger, jobs } = deps;
  const mode =
    etl.scheduler === 'auto' ? (deps.postgresUrl ? 'pg-boss' : 'embedded') : etl.scheduler;
  let dispatcher: SlotDispatcher | undefined;
  try {
    if (mode === 'pg-boss') {
      if (!deps.postgresUrl)
        throw new Error('etl.scheduler "pg-boss" needs rowStore.backend "postgres"');
      const { openPgBossDispatcher } = await import('./pg-boss/pg-boss-dispatcher.js');
      dispatcher = await openPgBossDispatcher({
        connectionString: deps.postgresUrl,
        schema: deps.pgBossSchema ?? etl.pgBossSchema,
        logger: logger.child('pg-boss'),
      });
    }
    const scheduler = await startEtlScheduler({
      tasks: () => jobs.tasks(),
      store: jobs.store,
      logger,
      ...(dispatcher ? { dispatcher } : {}),
      attempts: etl.attempts,
      retryDelayMs: etl.retryDelayMs,
      owner: jobs.runner.runnerId,
    });
    logger.info('ETL scheduler started', { mode });
    return {
      name: 'etl',
      async stop() {
        await scheduler.stop();
        await jobs.close();
      },
    };
  } catch (err) {
    await dispatcher?.stop().catch(() => undefined);
    await jobs.close();
    throw err;
  }
}
