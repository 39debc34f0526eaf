import type { Command } from 'commander';
import { describeApi } from '../api/api.js';
import type { ApiService } from '../api/start-api.js';
import { configHelp } from '../config/config-reference.js';
import { INGEST_PATH, ingestOperations } from '../ingest/ingest-openapi.js';
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
/**
 * The routes `faresight help api` lists, generated from the OpenAPI document the API
 * serves (every optional route on, plus ingest's POST), one line per operation with its
 * summary: the document is the one source of truth, and a test compares the two.
 */
export function apiRoutesHelp(): string {
  const ingest = ingestOperations().filter((o) => o.path === INGEST_PATH);
  const doc = describeApi(ingest) as {
    paths: Record<string, Record<string, { summary?: string }>>;
  };
  const rows = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
  // the /v1 reads first, then the process's own routes, each in the document's order
  rows.sort((a, b) => Number(!a.path.startsWith('/v1/')) - Number(!b.path.startsWith('/v1/')));
  const width = Math.max(...rows.map((r) => r.path.length)) + 2;
  const lines = rows.map((r) => {
    const where = r.path === INGEST_PATH ? '(the ingest process, port 7070) ' : '';
    return `  ${r.method.padEnd(5)}${r.path.padEnd(width)}${where}${r.op.summary ?? ''}`;
  });
  return `\nRoutes (OpenAPI at /openapi.json, a page at /docs):\n${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('api')
    .description(
      'run the API (its routes: faresight help api) on the configured row store and cache; ' +
        'with the embedded PGlite row store no other process may have it open (use rowStore.backend=postgres to scale out)',
    )
    .addHelpText('after', () => apiRoutesHelp())
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
