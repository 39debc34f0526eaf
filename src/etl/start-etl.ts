import type { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import type { SqlClient } from '../sql/sql-client.js';
import { openEtlContext } from './etl-context.js';
import { type SlotDispatcher, startEtlScheduler } from './etl-scheduler.js';

/**
 * Starts the ETL scheduler on the row store `sql`: the default ponds and customer jobs on
 * their cron schedules. Mode (config etl.scheduler): `auto` = pg-boss when
 * rowStore.backend=postgres (several `faresight etl` processes share the work), else
 * in-process. Metrics go to `registry` when given. `stop()` waits for running jobs.
 */
export async function startEtl(deps: {
  config: Config;
  sql: SqlClient;
  logger: Logger;
  registry?: Registry;
  /** pg-boss schema override (tests); default config.etl.pgBossSchema. */
  pgBossSchema?: string;
}): Promise<Service> {
  const { config, logger } = deps;
  const ctx = await openEtlContext(deps);
  const mode =
    config.etl.scheduler === 'auto'
      ? config.rowStore.backend === 'postgres'
        ? 'pg-boss'
        : 'embedded'
      : config.etl.scheduler;
  let dispatcher: SlotDispatcher | undefined;
  try {
    if (mode === 'pg-boss') {
      const { openPgBossDispatcher } = await import('./pg-boss/pg-boss-dispatcher.js');
      dispatcher = await openPgBossDispatcher({
        connectionString: config.rowStore.postgresUrl,
        schema: deps.pgBossSchema ?? config.etl.pgBossSchema,
        logger: logger.child('pg-boss'),
      });
    }
    const scheduler = await startEtlScheduler({
      tasks: () => ctx.tasks(),
      store: ctx.store,
      logger,
      ...(dispatcher ? { dispatcher } : {}),
      attempts: config.etl.attempts,
      retryDelayMs: config.etl.retryDelayMs,
      owner: ctx.runner.runnerId,
    });
    logger.info('ETL scheduler started', { mode });
    return {
      name: 'etl',
      async stop() {
        await scheduler.stop();
        await ctx.close();
      },
    };
  } catch (err) {
    await dispatcher?.stop().catch(() => undefined);
    await ctx.close();
    throw err;
  }
}
