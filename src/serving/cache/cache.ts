/**
 * The serving cache contract: a key-value store with TTL plus per-scope version counters
 * shared by every process using the same backend. Readers store an answer with the
 * version of the scope it depends on (cached-reads.ts), and a writer that changes a scope
 * bumps its version, so every reader everywhere stops taking the old answer as current
 * at once without deleting anything; old entries age out by TTL or LRU.
 *
 * Implementations: `memory/` (an in-process LRU, shared only within one process) and
 * `redis/` (shared by every process on the Redis server). Both pass `runCacheSuite`.
 */
export interface Cache {
  readonly backend: 'memory' | 'redis';
  /** The value stored under `key`, undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` for `ttlSeconds` (> 0). */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** The current version of each scope, in order; 0 for a scope never bumped. */
  versions(scopes: readonly string[]): Promise<number[]>;
  /** Increments the version of each scope (no-op for an empty list). */
  bump(scopes: readonly string[]): Promise<void>;
  /**
   * Why the cache is not working right now (its server unreachable), undefined while it
   * works. Callers read through meanwhile; /healthz reports it as degraded.
   */
  degraded(): string | undefined;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}

/** The scope every answer spanning markets depends on (market list, route graph). */
export const ALL_SCOPE = 'all';

/** The scope of one market's answers. */
export function marketScope(origin: string, destination: string): string {
  return `m:${origin}-${destination}`;
}

/** The scopes a write touching `markets` (`ORIGIN-DESTINATION`) must bump. */
export function scopesOfChange(markets: readonly string[]): string[] {
  return markets.length === 0 ? [] : [ALL_SCOPE, ...markets.map((m) => `m:${m}`)];
}
