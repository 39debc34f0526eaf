import type { Command } from 'commander';
import type { ApiService } from '../api/start-api.js';
import { configHelp } from '../config/config-reference.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import { createLogger } from '../ops/logger.js';
import type { Cache } from '../serving/cache/cache.js';
import { openCache } from './compose/cache.js';
import { startApiRole } from './compose/roles.js';
import { openRowStore } from './compose/row-store.js';
import { configFrom, guardExposure, INSECURE_HELP, intOption } from './options.js';

/**
 * Registers `faresight api`: the API alone, on the configured row store and cache, until
 * SIGINT or SIGTERM. On the embedded default (PGlite) it opens `<dataDir>/rowstore`
 * itself, which works only while no other process has it open (`faresight up` or
 * `faresight realtime` on the same data directory); to run roles as separate processes,
 * set rowStore.backend=postgres and cache.backend=redis (so invalidations reach every
 * API process).
 */
export function register(program: Command): void {
  program
    .command('api')
    .description(
      'run the API (/v1/markets, /v1/markets/{o}-{d}, /v1/fares/cheapest, /v1/fares/calendar, /v1/graph/routes, ' +
        '/v1/graph/explore, /openapi.json, /docs, /healthz) on the configured row store and cache; ' +
        'with the embedded PGlite row store no other process may have it open (use rowStore.backend=postgres to scale out)',
    )
    .option('-p, --port <port>', `port (${configHelp('api.port')})`, intOption('--port'))
    .option('--host <host>', `interface to listen on (${configHelp('api.host')})`)
    .option('--insecure', INSECURE_HELP)
    .action(async (opts: { port?: number; host?: string; insecure?: boolean }, cmd: Command) => {
      const { config } = configFrom(cmd, { 'api.port': opts.port, 'api.host': opts.host });
      const logger = createLogger(config.logLevel, 'api');
      guardExposure(config, ['api'], opts.insecure, logger);
      const rowStore = await openRowStore(config, logger);
      let cache: Cache | undefined;
      let api: ApiService;
      try {
        cache = await openCache(config, logger);
        api = await startApiRole({ config, rowStore, cache, logger });
      } catch (err) {
        await cache?.close();
        await rowStore.close();
        throw err;
      }
      process.stdout.write(`API: ${api.url}/v1/markets  docs: ${api.url}/docs\n`);
      await stopOnSignal(
        () => [api],
        logger,
        async () => {
          await cache?.close();
          await rowStore.close();
        },
      );
    });
}
