/**
 * One `startX(deps)` per serving role, used by the role's own command and by `faresight
 * up` alike, so the wiring of a role is written once. Each takes the backends it runs on
 * (opened by the caller, which closes them) and only its slice of the configuration.
 */
import type { Registry } from 'prom-client';
import { DealsStore } from '../../analytics/deals/deals-store.js';
import { DemandStore } from '../../analytics/forecast/demand-store.js';
import { type ApiService, type StartApiOptions, startApi } from '../../api/start-api.js';
import { type Config, validationPolicyOf } from '../../config/config.js';
import { AIRPORTS } from '../../generator/airports.js';
import { INGEST_PATH, ingestOperations } from '../../ingest/ingest-openapi.js';
import { type IngestRoleConfig, startIngest } from '../../ingest/ingest-server.js';
import type { VendorToken } from '../../ingest/vendor-auth.js';
import { type LakeWriter, type LakeWriterConfig, startLakeWriter } from '../../lake/lake-writer.js';
import type { ObjectStore } from '../../lake/object-store/object-store.js';
import type { Logger } from '../../ops/logger.js';
import type { Service } from '../../ops/service.js';
import {
  type RealtimeOptions,
  type RealtimeService,
  startRealtime,
} from '../../realtime/realtime-runner.js';
import type { Cache } from '../../serving/cache/cache.js';
import type { RowStore } from '../../serving/row-store.js';
import type { Stream } from '../../stream/stream.js';
import { createAdapters } from '../../vendors/adapters.js';
import { type LeaseConfig, leasedConsumers } from './leases.js';
import { openStream, type StreamRoomConfig } from './stream.js';

/** The shopping stream and ingest's side streams, connected (see openIngestStreams). */
export interface IngestStreams {
  stream: Stream;
  deadLetters: Stream;
  statsStream: Stream;
}

/**
 * The API over `rowStore` with its deals and demand routes (`demand` is created and
 * migrated when not given); `sql` adds `POST /v1/sql`.
 */
export async function startApiRole(deps: {
  /** The API's sections, and where ingest listens (documented in the API's OpenAPI). */
  config: StartApiOptions['config'] & Pick<Config, 'ingest'>;
  rowStore: RowStore;
  cache: Cache;
  logger: Logger;
  metrics?: Registry;
  demand?: DemandStore;
  sql?: StartApiOptions['sql'];
  extensions?: StartApiOptions['extensions'];
}): Promise<ApiService> {
  let demand = deps.demand;
  if (!demand) {
    demand = new DemandStore(deps.rowStore.client);
    await demand.migrate();
  }
  return startApi({
    config: deps.config,
    rowStore: deps.rowStore,
    logger: deps.logger,
    cache: deps.cache,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.sql ? { sql: deps.sql } : {}),
    ...(deps.extensions ? { extensions: deps.extensions } : {}),
    deals: new DealsStore(deps.rowStore.client),
    demand,
    airports: AIRPORTS,
    otherOperations: ingestOperations({
      servers: [
        {
          url: `${deps.config.ingest.tlsCert ? 'https' : 'http'}://${loopbackOr(deps.config.ingest.host)}:${deps.config.ingest.port}`,
        },
      ],
    }).filter((o) => o.path === INGEST_PATH),
  });
}

/** Where a client reaches a host that may be an unspecified address. */
function loopbackOr(host: string): string {
  return ['0.0.0.0', '::', ''].includes(host)
    ? 'localhost'
    : host.includes(':')
      ? `[${host}]`
      : host;
}

/**
 * The lake writer: the shopping stream and the side streams into the lake's `store`. With
 * `consumers.leases` on, the writers of every process share the `lake` group's shards by
 * lease and publish each file fenced by its lease epoch (docs/scale-out.md).
 */
export function startLakeRole(deps: {
  config: LakeWriterConfig & LeaseConfig;
  streams: IngestStreams;
  store: ObjectStore;
  logger: Logger;
  /** Where the writer's metrics and every group's lag are registered; none without. */
  registry?: Registry;
}): Promise<LakeWriter> {
  const { config, logger } = deps;
  const leases = config.consumers.leases ? leasedConsumers(config, logger) : undefined;
  return closingLeases(
    leases,
    startLakeWriter({
      ...(deps.registry ? { registry: deps.registry } : {}),
      stream: deps.streams.stream,
      sideStreams: { deadLetters: deps.streams.deadLetters, stats: deps.streams.statsStream },
      config,
      logger,
      store: deps.store,
      ...(leases ? { openConsumer: leases.open } : {}),
    }),
  );
}

/**
 * A started service whose stop (or failed start) then closes the lease stores: they
 * outlive the consumers, since a stop hands the shards off through them.
 */
async function closingLeases<S extends Service>(
  leases: { close(): Promise<void> } | undefined,
  started: Promise<S>,
): Promise<S> {
  if (!leases) return started;
  let service: S;
  try {
    service = await started;
  } catch (err) {
    await leases.close();
    throw err;
  }
  const stop = service.stop.bind(service);
  service.stop = () => stop().finally(() => leases.close());
  return service;
}

/**
 * Ingest with every vendor adapter; `payloadStore` keeps rejected payloads too large to
 * travel in their dead letter; `internalTokens` are accepted beside the configured ones.
 */
export function startIngestRole(deps: {
  /** The `ingest` and `validation` sections. */
  config: IngestRoleConfig;
  streams: IngestStreams;
  payloadStore: ObjectStore;
  logger: Logger;
  internalTokens?: readonly VendorToken[];
}): ReturnType<typeof startIngest> {
  return startIngest({
    config: deps.config,
    stream: deps.streams.stream,
    deadLetters: deps.streams.deadLetters,
    statsStream: deps.streams.statsStream,
    payloadStore: deps.payloadStore,
    adapters: createAdapters(),
    ...(deps.internalTokens ? { internalTokens: deps.internalTokens } : {}),
    logger: deps.logger,
  });
}

/**
 * The real-time runner: `useCases` on the shopping stream with the `realtime` batch
 * policy; records that keep failing go to `deadLetters`; use cases that write to a
 * stream of their own open it through the composition root.
 */
export function startRealtimeRole(deps: {
  /** The `realtime` and `validation` sections, and what opening a use case's stream reads. */
  config: Pick<Config, 'realtime' | 'validation' | 'consumers'> & StreamRoomConfig;
  stream: Stream;
  deadLetters: Stream;
  useCases: RealtimeOptions['useCases'];
  logger: Logger;
  registry: Registry;
}): Promise<RealtimeService> {
  const { config, logger } = deps;
  const leases = config.consumers.leases ? leasedConsumers(config, logger) : undefined;
  const started = startRealtime({
    stream: deps.stream,
    useCases: deps.useCases,
    policy: config.realtime.batch,
    attemptsBeforeBisect: config.realtime.attemptsBeforeBisect,
    logger,
    deadLetters: deps.deadLetters,
    openStream: (name) => openStream(config, logger, name),
    registry: deps.registry,
    validation: validationPolicyOf(config),
    ...(leases ? { openConsumer: leases.open } : {}),
  });
  return closingLeases(leases, started);
}
