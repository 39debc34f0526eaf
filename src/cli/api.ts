import type { Command } from 'commander';
import { startApi } from '../api/start-api.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import { createLogger } from '../ops/logger.js';
import { openRowStore } from '../serving/open-row-store.js';
import { configFrom, intOption } from './options.js';

/**
 * Registers `faresight api`: the API alone, on the configured row store, until SIGINT or
 * SIGTERM. On the embedded default (PGlite) it opens `<dataDir>/rowstore` itself, which
 * works only while no other process has it open (`faresight up` or `faresight realtime`
 * on the same data directory); to run roles as separate processes, set
 * rowStore.backend=postgres.
 */
export function register(program: Command): void {
  program
    .command('api')
    .description(
      'run the API (GET /v1/markets, /v1/fares/cheapest, /healthz) on the configured row store; ' +
        'with the embedded PGlite row store no other process may have it open (use rowStore.backend=postgres to scale out)',
    )
    .option('-p, --port <port>', 'port (config api.port, default 8080)', intOption('--port'))
    .option('--host <host>', 'interface to listen on (config api.host, default 0.0.0.0)')
    .action(async (opts: { port?: number; host?: string }, cmd: Command) => {
      const { config } = configFrom(cmd, { 'api.port': opts.port, 'api.host': opts.host });
      const logger = createLogger(config.logLevel, 'api');
      const rowStore = await openRowStore(config, logger);
      let api: Awaited<ReturnType<typeof startApi>>;
      try {
        api = await startApi({ config, rowStore, logger });
      } catch (err) {
        await rowStore.close();
        throw err;
      }
      process.stdout.write(`API: ${api.url}/v1/markets\n`);
      await stopOnSignal(
        () => [api],
        logger,
        () => rowStore.close(),
      );
    });
}
