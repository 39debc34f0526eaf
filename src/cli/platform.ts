/**
 * Every role in one process, as `faresight up` runs it: the composition of the
 * embedded (or configured) backends with ingest, the lake writer, the real-time runner,
 * the API, the ETL scheduler and the SQL endpoint. Also what the end-to-end test starts.
 */
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { DemandStore } from '../analytics/forecast/demand-store.js';
import type { ApiExtension } from '../api/api.js';
import type { Config } from '../config/config.js';
import { CONSOLE_OPERATIONS } from '../console/console-openapi.js';
import { type ConsoleOptions, registerConsole } from '../console/console-routes.js';
import { MetricsSampler } from '../console/metrics-sampler.js';
import { EtlPondCatalog } from '../etl/etl-pond-catalog.js';
import { EtlStore } from '../etl/etl-store.js';
import type { IngestStats } from '../ingest/ingest-stats.js';
import { hashToken, type VendorToken } from '../ingest/vendor-auth.js';
import type { LakeWriter } from '../lake/lake-writer.js';
import { planLocalLifecycle } from '../lake/lifecycle/local-lifecycle.js';
import { stopInReverse } from '../ops/lifecycle.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import type { RealtimeOptions, RealtimeService } from '../realtime/realtime-runner.js';
import type { Cache } from '../serving/cache/cache.js';
import type { RowStore } from '../serving/row-store.js';
import { registerRowStoreSizeMetrics } from '../serving/row-store-size-metrics.js';
import { startSqlEndpoint } from '../sql-endpoint/start-sql-endpoint.js';
import type { Stream } from '../stream/stream.js';
import { CustomerStore } from '../tenancy/customer-store.js';
import { createAdapters } from '../vendors/adapters.js';
import { writeAdminEndpoint } from './admin-endpoint.js';
import { openCache } from './compose/cache.js';
import { startScheduledCompaction } from './compose/compaction.js';
import { PlatformConsoleBackend } from './compose/console-backend.js';
import { startEtlRole } from './compose/etl-context.js';
import { EtlOperations } from './compose/etl-operations.js';
import { openLake } from './compose/lake.js';
import { openObjectStore } from './compose/object-store.js';
import {
  startApiRole,
  startIngestRole,
  startLakeRole,
  startRealtimeRole,
} from './compose/roles.js';
import { openRowStore } from './compose/row-store.js';
import { openIngestStreams } from './compose/stream.js';
import { buildUseCases, USE_CASES, type UseCaseName } from './realtime.js';

/** The running platform. `stop()` stops every role (last started first), then closes the backends. */
export interface Platform {
  ingestUrl: string;
  apiUrl: string;
  /** Where the Console is, when it runs (an admin key is configured or given). */
  consoleUrl: string | undefined;
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

/** How `up` starts the platform beyond its config. */
export interface PlatformOptions {
  /** Ingest tokens accepted beside the configured ones (the demo feed's, made at start). */
  internalTokens?: readonly VendorToken[];
  /** Delay before the demand forecast catches up on its latest slot (tests); default 150 s. */
  forecastCatchUpMs?: number;
  /**
   * sha256 of the Console's admin key when it is not configured (`up` makes one at start);
   * neither = no Console.
   */
  adminKeySha256?: string;
  /** Period of the Console's metric samples, ms (default the sampler's). */
  consoleSampleMs?: number;
}

/** Starts every role on `config`; on failure stops what it started and rethrows. */
export async function startPlatform(
  config: Config,
  logger: Logger,
  opts: PlatformOptions = {},
): Promise<Platform> {
  const services: Service[] = [];
  const streams = await openIngestStreams(config, logger);
  let rowStore: RowStore | undefined;
  let cache: Cache | undefined;
  let lakeStore: Awaited<ReturnType<typeof openObjectStore>> | undefined;
  // closed after every role has stopped, in this order, each logged like a role's stop
  const closeBackends = () =>
    stopInReverse(
      [
        { name: 'object store', backend: lakeStore },
        { name: 'row store', backend: rowStore },
        { name: 'cache', backend: cache },
        { name: 'streams', backend: streams },
      ].flatMap(({ name, backend }) => (backend ? [{ name, stop: () => backend.close() }] : [])),
      logger,
    );
  const stopServices = async () => {
    await stopInReverse(services, logger);
    services.length = 0;
  };
  try {
    rowStore = await openRowStore(config, logger.child('rowstore'));
    cache = await openCache(config, logger.child('cache'));
    const registry = new Registry();
    lakeStore = await openObjectStore(config);
    const lake = await startLakeRole({
      config,
      streams,
      store: lakeStore,
      logger: logger.child('lake'),
      registry,
    });
    services.push(lake);
    const compaction = startScheduledCompaction(
      config,
      lakeStore,
      logger.child('compact'),
      registry,
    );
    if (compaction) services.push(compaction);
    const store = rowStore;
    registerRowStoreSizeMetrics(registry, store.client);
    const demandStore = new DemandStore(store.client);
    await demandStore.migrate();
    const useCases: RealtimeOptions['useCases'] = [
      ...buildUseCases(Object.keys(USE_CASES) as UseCaseName[], {
        rowStore,
        logger: logger.child('realtime'),
        config,
        cache,
      }),
    ];
    const realtime = await startRealtimeRole({
      config,
      stream: streams.stream,
      deadLetters: streams.deadLetters,
      useCases,
      logger: logger.child('realtime'),
      registry,
    });
    services.push(realtime);
    const customers = new CustomerStore(store.client);
    const etlStore = new EtlStore(store.client);
    await etlStore.migrate();
    await customers.migrate();
    // The demand forecast is one of the ETL scheduler's tasks (one run per slot across
    // a fleet), fitted on worker threads off this process's event loop.
    const etl = await startEtlRole({
      config,
      sql: store.client,
      logger: logger.child('etl'),
      registry,
      ...(opts.forecastCatchUpMs !== undefined
        ? { forecastCatchUpMs: opts.forecastCatchUpMs }
        : {}),
    });
    services.push(etl);
    const sqlEndpoint = await startSqlEndpoint({
      config,
      sql: store.client,
      logger: logger.child('sql'),
      ponds: new EtlPondCatalog(etlStore, config.etl.schedules),
    });
    services.push(sqlEndpoint);
    const adminKeySha256 = config.api.adminKeySha256 || opts.adminKeySha256 || '';
    // Re-drives post through ingest like a vendor: with vendor secrets on, each vendor
    // gets a token made here, held only in this process.
    const redriveTokens = new Map<string, string>();
    if (adminKeySha256 && Object.keys(config.ingest.vendors).length > 0)
      for (const v of Object.keys(createAdapters()))
        redriveTokens.set(v, randomBytes(32).toString('base64url'));
    let ingestUrl = '';
    const registries: Registry[] = [registry];
    let sampler: MetricsSampler | undefined;
    let extensions: Parameters<typeof startApiRole>[0]['extensions'];
    // The CLI beside `up` reaches the admin API with a token made here, written only to
    // the data directory's admin endpoint file (mode 0600).
    const cliToken = adminKeySha256 ? randomBytes(32).toString('base64url') : undefined;
    if (adminKeySha256) {
      const s = new MetricsSampler({
        registries,
        gauges: async () => ({ lag: await streams.stream.lag(), lakeFiles: lake.stats().files }),
        ...(opts.consoleSampleMs ? { intervalMs: opts.consoleSampleMs } : {}),
        onError: (err) => logger.warn('console metrics sample failed', { error: err.message }),
      });
      sampler = s;
      const etlOperations = new EtlOperations(etl.context, logger.child('etl'));
      await etlOperations.recover();
      const backend = new PlatformConsoleBackend({
        stream: streams.stream,
        store: lakeStore,
        openLake: () => openLake(config),
        etl: etlStore,
        customers,
        slices: etl.context.slices,
        etlOperations,
        exportGraph: (currency) => store.exportGraph(currency),
        ...(config.lake.objectStore.backend === 'local'
          ? {
              lifecyclePlan: () =>
                planLocalLifecycle({
                  dataDir: config.dataDir.replace(/\/+$/, ''),
                  policy: {
                    archiveAfterDays: config.lake.archiveAfterDays,
                    deleteAfterDays: config.lake.deleteAfterDays,
                  },
                }),
            }
          : {}),
        schedules: config.etl.schedules,
        etlTasks: async () =>
          (await etl.context.tasks()).map((t) => ({ name: t.name, schedule: t.schedule })),
        ingestUrl: () => ingestUrl,
        redriveToken: (v) => redriveTokens.get(v),
      });
      services.push({
        name: 'console',
        stop: async () => {
          s.stop();
          await etlOperations.settle();
          await backend.close();
        },
      });
      const keys = [adminKeySha256, ...(cliToken ? [hashToken(cliToken)] : [])];
      extensions = [consoleExtension({ backend, sampler: s, adminKeySha256: keys })];
    }
    const api = await startApiRole({
      config,
      rowStore,
      cache,
      logger: logger.child('api'),
      metrics: registry,
      demand: demandStore,
      sql: {
        customers,
        openSession: sqlEndpoint.openSession,
        requestsPerSecondPerCustomer: config.sql.requestsPerSecondPerCustomer,
      },
      ...(extensions ? { extensions } : {}),
    });
    services.push(api);
    if (cliToken) {
      const remove = writeAdminEndpoint(config.dataDir, {
        url: api.url,
        token: cliToken,
        pid: process.pid,
      });
      services.push({ name: 'admin-endpoint', stop: async () => remove() });
    }
    const ingest = await startIngestRole({
      config,
      streams,
      payloadStore: lakeStore,
      logger: logger.child('ingest'),
      internalTokens: [
        ...(opts.internalTokens ?? []),
        ...[...redriveTokens].map(([vendor, t]) => ({ vendor, tokenSha256: hashToken(t) })),
      ],
    });
    services.push(ingest);
    ingestUrl = ingest.url;
    registries.push(ingest.registry);
    sampler?.start();
    return {
      ingestUrl: ingest.url,
      apiUrl: api.url,
      consoleUrl: adminKeySha256 ? `${api.url}/console/` : undefined,
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

/** The Console's page and admin API as an extension of the API: its routes and their OpenAPI operations. */
export function consoleExtension(opts: ConsoleOptions): ApiExtension {
  return { register: (app) => registerConsole(app, opts), operations: CONSOLE_OPERATIONS };
}
