import type { Command } from 'commander';
import { startApi } from '../api/start-api.js';
import { startFeed } from '../generator/run-feed.js';
import { startIngest } from '../ingest/ingest-server.js';
import { startLakeWriter } from '../lake/lake-writer.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import { createLogger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import { startRealtime } from '../realtime/realtime-runner.js';
import { openRowStore } from '../serving/open-row-store.js';
import { createServingUseCase } from '../serving/serving-use-case.js';
import { createAdapters } from '../vendors/adapters.js';
import { openIngestStreams } from './compose.js';
import { configFrom, intOption } from './options.js';

/** Default rate of the demo feed, records per second. */
export const DEFAULT_DEMO_RATE = 50;

/** Registers `faresight up`: every role in one process, optionally with the demo feed. */
export function register(program: Command): void {
  program
    .command('up')
    .description(
      'run every role in one process: ingest, stream, lake writer, real-time pipeline, API',
    )
    .option('--demo', 'also run the synthetic feed into ingest')
    .option(
      '--demo-rate <n>',
      `records per second of the demo feed (default ${DEFAULT_DEMO_RATE})`,
      intOption('--demo-rate'),
    )
    .option('--seed <n>', 'seed of the demo feed (default: random)', intOption('--seed'))
    .action(async (opts: { demo?: boolean; demoRate?: number; seed?: number }, cmd: Command) => {
      const { config } = configFrom(cmd);
      const logger = createLogger(config.logLevel, 'up');
      const services: Service[] = [];
      const streams = await openIngestStreams(config, logger);
      const rowStore = await openRowStore(config, logger.child('rowstore'));
      const closeBackends = async () => {
        await streams.close();
        await rowStore.close();
      };
      try {
        const lake = await startLakeWriter({
          stream: streams.stream,
          config,
          logger: logger.child('lake'),
        });
        services.push(lake);
        const realtime = await startRealtime({
          stream: streams.stream,
          useCases: [createServingUseCase({ rowStore, logger: logger.child('serving') })],
          policy: config.realtime.batch,
          logger: logger.child('realtime'),
        });
        services.push(realtime);
        const api = await startApi({ config, rowStore, logger: logger.child('api') });
        services.push(api);
        const ingest = await startIngest({
          config,
          ...streams,
          adapters: createAdapters(),
          logger: logger.child('ingest'),
        });
        services.push(ingest);
        if (opts.demo) {
          const rate = opts.demoRate ?? DEFAULT_DEMO_RATE;
          services.push(
            startFeed({
              rate,
              target: ingest.url,
              vendor: 'generic',
              seed: opts.seed,
              logger: logger.child('demo'),
            }),
          );
          logger.info('demo feed running', { rate });
        }
        process.stdout.write(
          [
            '',
            'Faresight is up.',
            `  ingest     ${ingest.url}/v1/ingest/:vendor`,
            `  api        ${api.url}/v1/markets`,
            `             ${api.url}/v1/fares/cheapest?origin=&destination=&departureDate=`,
            `  lake       ${config.dataDir}/lake   (faresight query "select count(*) from searches")`,
            '  Ctrl-C stops.',
            '',
          ].join('\n'),
        );
        const progress = setInterval(async () => {
          try {
            const lag = await streams.stream.lag();
            const byGroup = new Map<string, number>();
            for (const l of lag) byGroup.set(l.group, (byGroup.get(l.group) ?? 0) + l.records);
            const t = ingest.stats.totals;
            logger.info('progress', {
              recordsIn: t.records,
              rejected: t.rejected,
              lakeFiles: lake.stats().files,
              lakeRecords: lake.stats().records,
              lag: Object.fromEntries(byGroup),
            });
          } catch {
            // progress is best effort; a failing lag read shows up in the role's own logs
          }
        }, 10_000);
        progress.unref();
        await stopOnSignal(
          () => services,
          logger,
          async () => {
            clearInterval(progress);
            await closeBackends();
          },
        );
      } catch (err) {
        for (const s of services.reverse()) await s.stop().catch(() => {});
        await closeBackends().catch(() => {});
        throw err;
      }
    });
}
