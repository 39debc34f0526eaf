import type { Command } from 'commander';
import { configHelp } from '../config/config-reference.js';
import { EtlPondCatalog } from '../etl/etl-pond-catalog.js';
import { EtlStore } from '../etl/etl-store.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import { createLogger } from '../ops/logger.js';
import { startSqlEndpoint } from '../sql-endpoint/start-sql-endpoint.js';
import { openRowStore } from './compose/row-store.js';
import { configFrom, intOption } from './options.js';

/**
 * Registers `faresight sql`: the Postgres wire endpoint for BI tools alone, until SIGINT
 * or SIGTERM. With PGlite it needs the row store to itself (not beside `faresight up`).
 */
export function register(program: Command): void {
  program
    .command('sql')
    .description(
      'serve the ponds to BI tools over the Postgres wire protocol (user = customer, password = API key)',
    )
    .option('-p, --port <port>', `port (${configHelp('sql.port')})`, intOption('--port'))
    .option('--host <host>', `interface (${configHelp('sql.host')})`)
    .action(async (opts: { port?: number; host?: string }, cmd: Command) => {
      const { config } = configFrom(cmd, { 'sql.port': opts.port, 'sql.host': opts.host });
      const logger = createLogger(config.logLevel, 'sql');
      const rowStore = await openRowStore(config, logger.child('rowstore'));
      let svc: Awaited<ReturnType<typeof startSqlEndpoint>>;
      try {
        const etlStore = new EtlStore(rowStore.client);
        await etlStore.migrate();
        svc = await startSqlEndpoint({
          config,
          sql: rowStore.client,
          logger,
          ponds: new EtlPondCatalog(etlStore, config.etl.schedules),
        });
      } catch (err) {
        await rowStore.close();
        throw err;
      }
      process.stdout.write(
        `SQL endpoint: psql -h 127.0.0.1 -p ${svc.port} -U <customer> (password: the API key)\n`,
      );
      await stopOnSignal(
        () => [svc],
        logger,
        () => rowStore.close(),
      );
    });
}
