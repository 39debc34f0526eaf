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
/** The routes `faresight help api` lists; a test checks it against the OpenAPI document. */
export const API_ROUTES_HELP = `
Routes (OpenAPI at /openapi.json, a page at /docs):
  GET  /v1/markets                                  markets with data, busiest first
  GET  /v1/markets/{origin}-{destination}           one market: volume, cheapest fares, daily prices
  GET  /v1/fares/cheapest                           cheapest fare per carrier and stops for a trip
  GET  /v1/fares/calendar                           cheapest fare per departure date
  GET  /v1/graph/routes                             self-transfer combinations A->B
  GET  /v1/graph/explore                            destinations within a budget
  GET  /v1/deals                                    fares well below their market's usual price
  GET  /v1/markets/{origin}-{destination}/demand    search demand and its forecast of a market
  GET  /v1/airports/{code}/demand                   search demand and its forecast from an airport
  GET  /v1/airports                                 airports with their coordinates
  POST /v1/sql                                      SQL over a customer's ponds (customer key)
  GET  /v1/me                                       the customer of the key and its grants
  GET  /healthz                                     liveness and row-store reachability
  GET  /metrics                                     Prometheus metrics
  GET  /openapi.json                                the OpenAPI 3.1 document
  GET  /docs                                        a browsable page of it
  GET  /docs/                                       redirects to /docs
  POST /v1/ingest/{vendor}                          (the ingest process, port 7070) one vendor payload;
                                                    ingest serves /healthz, /readyz, /metrics and its own
                                                    /openapi.json too
`;

export function register(program: Command): void {
  program
    .command('api')
    .description(
      'run the API (its routes: faresight help api) on the configured row store and cache; ' +
        'with the embedded PGlite row store no other process may have it open (use rowStore.backend=postgres to scale out)',
    )
    .addHelpText('after', API_ROUTES_HELP)
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
