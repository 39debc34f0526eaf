import type { Logger } from '../../ops/logger.js';
import type { ServingReads } from '../serving-reads.js';
import { ALL_SCOPE, type Cache, marketScope } from './cache.js';

/** Default time an answer stays cached. */
export const DEFAULT_CACHE_TTL_SECONDS = 30;

/**
 * Default `cache.staleSeconds` of the configuration: within the `max-age` (5 s) the API
 * already tells clients they may keep an answer.
 */
export const DEFAULT_CACHE_STALE_SECONDS = 2;

/** Hits and misses since start, for metrics and the bench. */
export interface CacheCounters {
  /** Answered from the cache, current. */
  hits: number;
  /** Answered from the cache although a write changed its scope since, within `staleSeconds`, while one read of the store refreshed it. */
  stale: number;
  /** Read from the store while the caller waited. */
  misses: number;
  /** Cache operations that failed and were read through. */
  errors: number;
  /** Refreshes in the background (after a stale answer) that failed. */
  refreshErrors: number;
}

export interface CachedReadsOptions {
  ttlSeconds?: number;
  /**
   * How old (since its read of the store began) an answer may be when a write has changed
   * its scope since: such an answer is served at once while one read of the store
   * refreshes it in the background. 0 (the default): a changed scope is always read from
   * the store, the caller waiting.
   */
  staleSeconds?: number;
  logger: Logger;
  /** Milliseconds since the epoch (tests). */
  now?: () => number;
}

/** What is stored under an answer's key: the answer, its scope's version, when its read began. */
interface Entry<T> {
  v: T;
  version: number;
  at: number;
}

/**
 * Cache-aside in front of the serving reads. Each answer is stored under its method and
 * arguments, with the version of the scope it depends on (one market, or ALL_SCOPE for
 * answers spanning markets) and when its read began, for `ttlSeconds`. The serving use
 * case bumps the scopes it changes: an answer of an older version is not current.
 *
 * A caller that finds no current answer reads the store, and concurrent callers of the
 * same answer and version share that one read. With `staleSeconds`, a caller that finds
 * an answer that is not current but began its read at most `staleSeconds` ago gets it at
 * once, and one read of the store in the background replaces it: while writes keep
 * changing a scope (the history loading), its readers do not queue behind the writes.
 * A cache that fails is read through (logged once a minute).
 */
export class CachedReads implements ServingReads {
  readonly counters: CacheCounters = { hits: 0, stale: 0, misses: 0, errors: 0, refreshErrors: 0 };
  private readonly ttl: number;
  private readonly staleMs: number;
  private readonly now: () => number;
  private lastWarn = 0;
  /** Reads of the store in flight, by key and version: the callers that share them. */
  private readonly loading = new Map<string, Promise<unknown>>();
  /** Keys being refreshed in the background. */
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly inner: ServingReads,
    private readonly cache: Cache,
    private readonly opts: CachedReadsOptions,
  ) {
    this.ttl = opts.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS;
    this.staleMs = (opts.staleSeconds ?? 0) * 1000;
    this.now = opts.now ?? Date.now;
  }

  private warn(message: string, err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarn > 60_000) {
      this.lastWarn = now;
      this.opts.logger.warn(message, { error: (err as Error).message });
    }
  }

  private failed(err: unknown): void {
    this.counters.errors++;
    this.warn('cache failed, reading through', err);
  }

  /**
   * Reads the store once for every caller of `key` at `version` (undefined: the cache
   * failed) and stores the answer, with when the read began.
   */
  private load<T>(key: string, version: number | undefined, load: () => Promise<T>): Promise<T> {
    const flight = `${key}@${version ?? '?'}`;
    const inFlight = this.loading.get(flight) as Promise<T> | undefined;
    if (inFlight) return inFlight;
    const at = this.now();
    const p = (async () => {
      try {
        const v = await load();
        if (version !== undefined) {
          const entry: Entry<T> = { v, version, at };
          await this.cache
            .set(key, JSON.stringify(entry), this.ttl)
            .catch((err: unknown) => this.failed(err));
        }
        return v;
      } finally {
        this.loading.delete(flight);
      }
    })();
    this.loading.set(flight, p);
    return p;
  }

  private async cached<T>(
    method: string,
    args: unknown,
    scope: string,
    load: () => Promise<T>,
  ): Promise<T> {
    const key = `${method}:${scope}:${JSON.stringify(args)}`;
    let version: number | undefined;
    let entry: Entry<T> | undefined;
    try {
      [version] = await this.cache.versions([scope]);
      const hit = await this.cache.get(key);
      if (hit !== undefined) entry = JSON.parse(hit) as Entry<T>;
    } catch (err) {
      this.failed(err);
    }
    // an entry of a newer version than the one read (another process stored it since) is current too
    if (entry && version !== undefined && entry.version >= version) {
      this.counters.hits++;
      return entry.v;
    }
    if (entry && version !== undefined && this.now() - entry.at <= this.staleMs) {
      this.counters.stale++;
      if (!this.refreshing.has(key)) {
        this.refreshing.add(key);
        this.load(key, version, load)
          .catch((err: unknown) => {
            this.counters.refreshErrors++;
            this.warn('cache refresh failed', err);
          })
          .finally(() => this.refreshing.delete(key));
      }
      return entry.v;
    }
    this.counters.misses++;
    return this.load(key, version, load);
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

  /** Resolves when no read of the store is in flight (a background refresh included). */
  async idle(): Promise<void> {
    while (this.loading.size > 0) await Promise.allSettled([...this.loading.values()]);
  }

  /** Never cached: health must reach the database. */
  ping(): Promise<void> {
    return this.inner.ping();
  }
}
