import cluster from 'node:cluster';
import type { Command } from 'commander';
import { configHelp } from '../config/config-reference.js';
import { servePrimaryMetrics } from '../ops/cluster-metrics.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import { createLogger } from '../ops/logger.js';
import { superviseWorkers } from '../ops/worker-supervisor.js';
import { openObjectStore } from './compose/object-store.js';
import { startIngestRole } from './compose/roles.js';
import { openIngestStreams } from './compose/stream.js';
import { configFrom, guardExposure, INSECURE_HELP, intOption } from './options.js';

/** Registers `faresight ingest`: the ingest HTTP service alone, optionally in N processes. */
export function register(program: Command): void {
  program
    .command('ingest')
    .description('run the ingest service (POST /v1/ingest/:vendor) on the configured stream')
    .option('-p, --port <port>', `port (${configHelp('ingest.port')})`, intOption('--port'))
    .option(
      '-w, --workers <n>',
      `processes sharing the port (${configHelp('ingest.workers')})`,
      intOption('--workers'),
    )
    .option('--insecure', INSECURE_HELP)
    .action(async (opts: { port?: number; workers?: number; insecure?: boolean }, cmd: Command) => {
      const { config } = configFrom(cmd, {
        'ingest.port': opts.port,
        'ingest.workers': opts.workers,
      });
      const logger = createLogger(
        config.logLevel,
        cluster.isWorker ? `ingest-${cluster.worker?.id}` : 'ingest',
      );
      guardExposure(config, ['ingest'], opts.insecure, logger);
      if (cluster.isPrimary && config.ingest.workers > 1) {
        // The primary only supervises; each worker opens the stream and serves the shared port.
        servePrimaryMetrics();
        superviseWorkers({ workers: config.ingest.workers, role: 'ingest', logger });
        logger.info('ingest started', { workers: config.ingest.workers, port: config.ingest.port });
        return;
      }
      const streams = await openIngestStreams(config, logger);
      let ingest: Awaited<ReturnType<typeof startIngestRole>>;
      // large rejected payloads are kept whole in the lake's object store
      const payloadStore = await openObjectStore(config).catch(async (err) => {
        await streams.close();
        throw err;
      });
      try {
        ingest = await startIngestRole({ config, streams, payloadStore, logger });
      } catch (err) {
        await streams.close();
        await payloadStore.close();
        throw err;
      }
      await stopOnSignal(
        () => [ingest],
        logger,
        async () => {
          await streams.close();
          await payloadStore.close();
        },
      );
      // a worker's IPC channel to the primary would keep it alive after a clean stop
      if (cluster.isWorker) process.exit(0);
    });
}
