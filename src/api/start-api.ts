import type { AddressInfo } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import type { ApiConfig, CacheConfig } from '../config/config.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import type { Cache } from '../serving/cache/cache.js';
import { CachedReads } from '../serving/cache/cached-reads.js';
import type { ServingReads } from '../serving/serving-reads.js';
import { type ApiOptions, createApi } from './api.js';

export interface StartApiOptions {
  /** The `api` section and the cache's `ttlSeconds` and `staleSeconds`. */
  config: {
    readonly api: ApiConfig;
    readonly cache: Pick<CacheConfig, 'ttlSeconds' | 'staleSeconds'>;
  };
  rowStore: ServingReads;
  logger: Logger;
  /** Cache in front of the reads (cache-aside, `cache.ttlSeconds`); none = every read hits the store. */
  cache?: Cache;
  /** Registry served at `/metrics`. */
  metrics?: Registry;
  /** `POST /v1/sql`, when given. */
  sql?: ApiOptions['sql'];
  /** `GET /v1/deals`, when given. */
  deals?: ApiOptions['deals'];
  /** The demand routes, when given. */
  demand?: ApiOptions['demand'];
  /** `GET /v1/airports`, when given. */
  airports?: ApiOptions['airports'];
  /** Other processes' operations for the OpenAPI document (see ApiOptions.otherOperations). */
  otherOperations?: ApiOptions['otherOperations'];
  /** Routes of other rooms on the same app (the Console). */
  extensions?: ApiOptions['extensions'];
}

/** The running API; `url` is where to reach it from this machine. */
export interface ApiService extends Service {
  readonly url: string;
  /** The cached reads, when a cache was given (hit/miss counters). */
  readonly cached: CachedReads | undefined;
}

/**
 * Listens on `config.api.host:port` (port 0 picks a free one), with `config.api` keys,
 * rate and max-age, and `config.cache` TTL and staleness. `stop()` stops accepting, lets
 * requests in flight and the cache's refreshes finish, and closes; it closes neither the
 * row store nor the cache.
 */
export async function startApi(opts: StartApiOptions): Promise<ApiService> {
  const cached = opts.cache
    ? new CachedReads(opts.rowStore, opts.cache, {
        ttlSeconds: opts.config.cache.ttlSeconds,
        staleSeconds: opts.config.cache.staleSeconds,
        logger: opts.logger,
      })
    : undefined;
  if (cached && opts.metrics) cacheMetrics(opts.metrics, cached);
  const app = createApi({
    rowStore: cached ?? opts.rowStore,
    logger: opts.logger,
    keys: opts.config.api.keys,
    ratePerSecondPerKey: opts.config.api.ratePerSecondPerKey,
    maxAgeSeconds: opts.config.api.maxAgeSeconds,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(opts.cache ? { cacheDegraded: () => opts.cache?.degraded() } : {}),
    ...(opts.sql ? { sql: opts.sql } : {}),
    ...(opts.deals ? { deals: opts.deals } : {}),
    ...(opts.demand ? { demand: opts.demand } : {}),
    ...(opts.airports ? { airports: opts.airports } : {}),
    ...(opts.otherOperations ? { otherOperations: opts.otherOperations } : {}),
    ...(opts.extensions ? { extensions: opts.extensions } : {}),
  });
  await app.listen({ host: opts.config.api.host, port: opts.config.api.port });
  const addr = app.server.address() as AddressInfo;
  const host = ['0.0.0.0', '::', ''].includes(opts.config.api.host)
    ? '127.0.0.1'
    : addr.family === 'IPv6'
      ? `[${addr.address}]`
      : addr.address;
  const url = `http://${host}:${addr.port}`;
  // the address actually bound (0.0.0.0 = every interface), not only the one to dial locally
  const on = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  opts.logger.info('api listening', { on, cache: opts.cache?.backend ?? 'none' });
  let closing: Promise<void> | undefined;
  return {
    name: 'api',
    url,
    cached,
    stop() {
      // a refresh in the background reads the row store: done before the store may close
      closing ??= app.close().then(() => cached?.idle());
      return closing;
    },
  };
}

/**
 * `faresight_cache_reads_total{result}` (hit, stale, miss, error) and
 * `faresight_cache_refresh_failures_total` from the counters of `cached`.
 */
function cacheMetrics(registry: Registry, cached: CachedReads): void {
  if (registry.getSingleMetric('faresight_cache_reads_total')) return;
  const c = cached.counters;
  new Counter({
    name: 'faresight_cache_reads_total',
    help: 'API reads by how the cache answered: hit (current), stale (within cache.staleSeconds, refreshed in the background), miss (read from the row store), error (a cache operation failed and the row store was read: also a miss)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'hit' }, c.hits);
      this.inc({ result: 'stale' }, c.stale);
      this.inc({ result: 'miss' }, c.misses);
      this.inc({ result: 'error' }, c.errors);
    },
  });
  new Counter({
    name: 'faresight_cache_refresh_failures_total',
    help: 'Background refreshes of a stale answer that failed (the next read tries again)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(c.refreshErrors);
    },
  });
}
