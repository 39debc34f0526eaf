/**
 * Every role in one process, as `faresight up` runs it: the composition of the
 * embedded (or configured) backends with ingest, the lake writer, the real-time runner,
 * the API, the ETL scheduler and the SQL endpoint. Also what the end-to-end test starts.
 */
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { DealsStore } from '../analytics/deals/deals-store.js';
import { DemandStore } from '../analytics/forecast/demand-store.js';
import { writeForecastPond } from '../analytics/forecast/duckdb/forecast-pond-writer.js';
import { startForecastJob } from '../analytics/forecast/start-forecast-job.js';
import { startApi } from '../api/start-api.js';
import type { Config } from '../config/config.js';
import { EtlStore } from '../etl/etl-store.js';
import { startEtl } from '../etl/start-etl.js';
import { startIngest } from '../ingest/ingest-server.js';
import type { IngestStats } from '../ingest/ingest-stats.js';
import type { VendorToken } from '../ingest/vendor-auth.js';
import { startCompactionSchedule } from '../lake/compaction/compaction-schedule.js';
import { type LakeWriter, startLakeWriter } from '../lake/lake-writer.js';
import { openObjectStore } from '../lake/object-store/open-object-store.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import {
  type RealtimeOptions,
  type RealtimeService,
  startRealtime,
} from '../realtime/realtime-runner.js';
import type { Cache } from '../serving/cache/cache.js';
import { openCache } from '../serving/cache/open-cache.js';
import { openRowStore } from '../serving/open-row-store.js';
import type { RowStore } from '../serving/row-store.js';
import { startSqlEndpoint } from '../sql-endpoint/start-sql-endpoint.js';
import type { Stream } from '../stream/stream.js';
import { CustomerStore } from '../tenancy/customer-store.js';
import { createAdapters } from '../vendors/adapters.js';
import { openIngestStreams, openLake, openStream } from './compose.js';
import { buildUseCases, USE_CASES, type UseCaseName } from './realtime.js';

/** The running platform. `stop()` stops every role (last started first), then closes the backends. */
export interface Platform {
  ingestUrl: string;
  apiUrl: string;
  sqlPort: number;
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

/** Hooks of modules that add use cases and routes to the platform (analytics). */
export interface PlatformExtensions {
  useCases?: (deps: { rowStore: RowStore; logger: Logger }) => Promise<RealtimeOptions['useCases']>;
  routes?: (deps: { rowStore: RowStore }) => ((app: FastifyInstance) => void)[];
}

/** How `up` starts the platform beyond its config. */
export interface PlatformOptions {
  /** Ingest tokens accepted beside the configured ones (the demo feed's, made at start). */
  internalTokens?: readonly VendorToken[];
}

/** Starts every role on `config`; on failure stops what it started and rethrows. */
export async function startPlatform(
  config: Config,
  logger: Logger,
  ext: PlatformExtensions = {},
  opts: PlatformOptions = {},
): Promise<Platform> {
  const services: Service[] = [];
  const streams = await openIngestStreams(config, logger);
  let rowStore: RowStore | undefined;
  let cache: Cache | undefined;
  let lakeStore: Awaited<ReturnType<typeof openObjectStore>> | undefined;
  const closeBackends = async () => {
    await streams.close();
    await cache?.close();
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
    cache = await openCache(config, logger.child('cache'));
    const registry = new Registry();
    lakeStore = await openObjectStore(config);
    const lake = await startLakeWriter({
      stream: streams.stream,
      sideStreams: { deadLetters: streams.deadLetters, stats: streams.statsStream },
      config,
      logger: logger.child('lake'),
      store: lakeStore,
    });
    services.push(lake);
    if (config.lake.compactEveryMinutes > 0)
      services.push(
        startCompactionSchedule({
          store: lakeStore,
          config,
          logger: logger.child('compact'),
          everyMs: config.lake.compactEveryMinutes * 60_000,
        }),
      );
    const store = rowStore;
    const demandStore = new DemandStore(store.client);
    await demandStore.migrate();
    const useCases: RealtimeOptions['useCases'] = [
      ...buildUseCases(Object.keys(USE_CASES) as UseCaseName[], {
        rowStore,
        logger: logger.child('realtime'),
        config,
        cache,
      }),
      ...((await ext.useCases?.({ rowStore, logger: logger.child('realtime') })) ?? []),
    ];
    const realtime = await startRealtime({
      stream: streams.stream,
      useCases,
      policy: config.realtime.batch,
      attemptsBeforeBisect: config.realtime.attemptsBeforeBisect,
      logger: logger.child('realtime'),
      deadLetters: streams.deadLetters,
      openStream: (name) => openStream(config, logger, name),
      registry,
    });
    services.push(realtime);
    const customers = new CustomerStore(store.client);
    const etlStore = new EtlStore(store.client);
    await etlStore.migrate();
    await customers.migrate();
    services.push(
      await startEtl({ config, sql: store.client, logger: logger.child('etl'), registry }),
    );
    services.push(
      startForecastJob({
        openLake: () => openLake(config),
        store: demandStore,
        logger: logger.child('forecast'),
        writePond: (day, series) => writeForecastPond(config.dataDir, day, series),
      }),
    );
    const sqlEndpoint = await startSqlEndpoint({
      config,
      sql: store.client,
      logger: logger.child('sql'),
    });
    services.push(sqlEndpoint);
    const api = await startApi({
      config,
      rowStore,
      logger: logger.child('api'),
      cache,
      metrics: registry,
      sql: {
        customers,
        openSession: sqlEndpoint.openSession,
        requestsPerSecondPerCustomer: config.sql.requestsPerSecondPerCustomer,
      },
      deals: new DealsStore(store.client),
      demand: demandStore,
      extraRoutes: ext.routes?.({ rowStore }) ?? [],
    });
    services.push(api);
    const ingest = await startIngest({
      config,
      ...streams,
      payloadStore: lakeStore,
      adapters: createAdapters(),
      ...(opts.internalTokens ? { internalTokens: opts.internalTokens } : {}),
      logger: logger.child('ingest'),
    });
    services.push(ingest);
    return {
      ingestUrl: ingest.url,
      apiUrl: api.url,
      sqlPort: sqlEndpoint.port,
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
