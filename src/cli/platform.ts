/**
 * Every role in one process, as `faresight up` runs it: the composition of the
 * embedded (or configured) backends with ingest, the lake writer, the real-time runner
 * and the API. Also what the end-to-end test starts.
 */

import { startApi } from '../api/start-api.js';
import type { Config } from '../config/config.js';
import { startIngest } from '../ingest/ingest-server.js';
import type { IngestStats } from '../ingest/ingest-stats.js';
import { type LakeWriter, startLakeWriter } from '../lake/lake-writer.js';
import type { openObjectStore } from '../lake/object-store/open-object-store.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import { type RealtimeService, startRealtime } from '../realtime/realtime-runner.js';
import { openRowStore } from '../serving/open-row-store.js';
import type { RowStore } from '../serving/row-store.js';
import { createServingUseCase } from '../serving/serving-use-case.js';
import type { Stream } from '../stream/stream.js';
import { createAdapters } from '../vendors/adapters.js';
import { openIngestStreams } from './compose.js';

/** The running platform. `stop()` stops every role (last started first), then closes the backends. */
export interface Platform {
  ingestUrl: string;
  apiUrl: string;
  stream: Stream;
  rowStore: RowStore;
  lake: LakeWriter;
  realtime: RealtimeService;
  ingestStats: IngestStats;
  /** Adds a service to stop before the others (the demo feed). */
  add(service: Service): void;
  stop(): Promise<void>;
  services(): readonly Service[];
}

/** Starts every role on `config`; on failure stops what it started and rethrows. */
export async function startPlatform(config: Config, logger: Logger): Promise<Platform> {
  const services: Service[] = [];
  const streams = await openIngestStreams(config, logger);
  let rowStore: RowStore | undefined;
  let lakeStore: Awaited<ReturnType<typeof openObjectStore>> | undefined;
  const closeBackends = async () => {
    await streams.close();
    await rowStore?.close();
    await lakeStore?.close();
  };
  const stopServices = async () => {
    for (const s of [...services].reverse()) {
      try {
        await s.stop();
        logger.debug('stopped', { service: s.name });
      } catch (err) {
        logger.error('stop failed', { service: s.name, error: (err as Error).message });
      }
    }
    services.length = 0;
  };
  try {
    rowStore = await openRowStore(config, logger.child('rowstore'));
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
    const store = rowStore;
    return {
      ingestUrl: ingest.url,
      apiUrl: api.url,
      stream: streams.stream,
      rowStore: store,
      lake,
      realtime,
      ingestStats: ingest.stats,
      add: (s) => services.push(s),
      services: () => services,
      stop: async () => {
        await stopServices();
        await closeBackends();
      },
    };
  } catch (err) {
    await stopServices();
    await closeBackends().catch(() => {});
    throw err;
  }
}
