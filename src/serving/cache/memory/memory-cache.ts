import { LRUCache } from 'lru-cache';
import type { Cache } from '../cache.js';

/** Default most entries kept by MemoryCache. */
export const DEFAULT_MEMORY_CACHE_ENTRIES = 10_000;

/**
 * The embedded cache: an in-process LRU with per-entry TTL (lru-cache). Versions live in
 * this object, so invalidation reaches every reader in the same process (as with
 * `faresight up`); processes that do not share it rely on the TTL.
 */
export class MemoryCache implements Cache {
  readonly backend = 'memory';

  /** Always undefined: an in-process map does not go away. */
  degraded(): string | undefined {
    return undefined;
  }
  private readonly lru: LRUCache<string, string>;
  private readonly scopes = new Map<string, number>();

  constructor(opts: { maxEntries?: number } = {}) {
    this.lru = new LRUCache({ max: opts.maxEntries ?? DEFAULT_MEMORY_CACHE_ENTRIES });
  }

  async get(key: string): Promise<string | undefined> {
    return this.lru.get(key);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.lru.set(key, value, { ttl: ttlSeconds * 1000 });
  }

  async versions(scopes: readonly string[]): Promise<number[]> {
    return scopes.map((s) => this.scopes.get(s) ?? 0);
  }

  async bump(scopes: readonly string[]): Promise<void> {
    for (const s of scopes) this.scopes.set(s, (this.scopes.get(s) ?? 0) + 1);
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
