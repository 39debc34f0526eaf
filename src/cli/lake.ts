import type { Command } from 'commander';
import { startLakeWriter } from '../lake/lake-writer.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import { createLogger } from '../ops/logger.js';
import { openStream } from './compose.js';
import { configFrom } from './options.js';

/** How often `faresight lake` logs its progress. */
const PROGRESS_MS = 10_000;

/** Registers `faresight lake`: the lake writer alone, until SIGINT or SIGTERM. */
export function register(program: Command): void {
  program
    .command('lake')
    .description(
      'run the lake writer: consume the stream and write Parquet under <dataDir>/lake until Ctrl-C',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { config } = configFrom(cmd);
      const logger = createLogger(config.logLevel, 'lake');
      const stream = await openStream(config, logger);
      const writer = await startLakeWriter({ stream, config, logger });
      logger.info('lake writer running', { lake: `${config.dataDir}/lake` });
      const progress = setInterval(() => {
        const s = writer.stats();
        logger.info('progress', { records: s.records, files: s.files, badRecords: s.badRecords });
      }, PROGRESS_MS);
      progress.unref();
      await stopOnSignal(
        () => [writer],
        logger,
        async () => {
          clearInterval(progress);
          await stream.close();
        },
      );
    });
}
