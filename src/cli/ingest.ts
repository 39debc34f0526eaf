import type { Command } from 'commander';
import { startIngest } from '../ingest/ingest-server.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import { createLogger } from '../ops/logger.js';
import { createAdapters } from '../vendors/adapters.js';
import { openStream } from './compose.js';
import { configFrom, intOption } from './options.js';

/** Registers `faresight ingest`: the ingest HTTP service alone. */
export function register(program: Command): void {
  program
    .command('ingest')
    .description('run the ingest service (POST /v1/ingest/:vendor) on the configured stream')
    .option('-p, --port <port>', 'port (config ingest.port, default 7070)', intOption('--port'))
    .action(async (opts: { port?: number }, cmd: Command) => {
      const { config } = configFrom(cmd, { 'ingest.port': opts.port });
      const logger = createLogger(config.logLevel, 'ingest');
      const stream = await openStream(config, logger);
      const ingest = await startIngest(config, { stream, adapters: createAdapters(), logger });
      await stopOnSignal(() => [ingest], logger, () => stream.close());
    });
}
