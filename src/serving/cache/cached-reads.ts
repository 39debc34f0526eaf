import type { Logger } from '../../ops/logger.js';
import type { ServingReads } from '../serving-reads.js';
import { ALL_SCOPE, type Cache, marketScope } from './cache.js';

/** Default time an answer stays cached. */
export const DEFAULT_CACHE_TTL_SECONDS = 30;

/** Hits and misses since start, for metrics and the bench. */
export interface CacheCounters {
  hits: number;
  misses: number;
  /** Cache operations that failed and were read through. */
  errors: number;
}

export interface CachedReadsOptions {
  ttlSeconds?: number;
  logger: Logger;
}

/**
 * Cache-aside in front of the serving reads: each answer is stored under its method, its
 * arguments and the versions of the scopes it depends on (one market, or ALL_SCOPE for
 * answers spanning markets), for `ttlSeconds`. The serving use case bumps the scopes it
 * changes, so the next read misses. A cache that fails is read through (logged once a minute).
 */
export class CachedReads implements ServingReads {
  readonly counters: CacheCounters = { hits: 0, misses: 0, errors: 0 };
  private readonly ttl: number;
  private lastWarn = 0;

  constructor(
    private readonly inner: ServingReads,
    private readonly cache: Cache,
    private readonly opts: CachedReadsOptions,
  ) {
    this.ttl = opts.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS;
  }

  private failed(err: unknown): void {
    this.counters.errors++;
    const now = Date.now();
    if (now - this.lastWarn > 60_000) {
      this.lastWarn = now;
      this.opts.logger.warn('cache failed, reading through', { error: (err as Error).message });
    }
  }

  private async cached<T>(
    method: string,
    args: unknown,
    scope: string,
    load: () => Promise<T>,
  ): Promise<T> {
    let key: string | undefined;
    try {
      const [v] = await this.cache.versions([scope]);
      key = `${method}:${scope}@${v}:${JSON.stringify(args)}`;
      const hit = await this.cache.get(key);
      if (hit !== undefined) {
        this.counters.hits++;
        return (JSON.parse(hit) as { v: T }).v;
      }
    } catch (err) {
      this.failed(err);
    }
    this.counters.misses++;
    const value = await load();
    if (key !== undefined) {
      await this.cache
        .set(key, JSON.stringify({ v: value }), this.ttl)
        .catch((err: unknown) => this.failed(err));
    }
    return value;
  }

  markets(...a: Parameters<ServingReads['markets']>) {
    return this.cached('markets', a, ALL_SCOPE, () => this.inner.markets(...a));
  }

  cheapest(...a: Parameters<ServingReads['cheapest']>) {
    return this.cached('cheapest', a, marketScope(a[0].origin, a[0].destination), () =>
      this.inner.cheapest(...a),
    );
  }

  calendar(...a: Parameters<ServingReads['calendar']>) {
    return this.cached('calendar', a, marketScope(a[0].origin, a[0].destination), () =>
      this.inner.calendar(...a),
    );
  }

  market(...a: Parameters<ServingReads['market']>) {
    return this.cached('market', a, marketScope(a[0], a[1]), () => this.inner.market(...a));
  }

  itineraries(...a: Parameters<ServingReads['itineraries']>) {
    return this.cached('itineraries', a, ALL_SCOPE, () => this.inner.itineraries(...a));
  }

  /** Never cached: health must reach the database. */
  ping(): Promise<void> {
    return this.inner.ping();
  }
}
