import type { CacheConfig } from '../../config/config.js';
import type { Logger } from '../../ops/logger.js';
import type { Cache } from '../../serving/cache/cache.js';
import { memoryCacheBackend } from '../../serving/cache/memory/memory-backend.js';
import { redisCacheBackend } from '../../serving/cache/redis/redis-backend.js';

/**
 * Opens the cache of the `cache` config section: memory (default, in-process LRU of
 * `cache.maxEntries`) or redis (`cache.url`, connected before returning; rejects when
 * Redis cannot be reached). ioredis is loaded only for redis.
 */
export async function openCache(config: { cache: CacheConfig }, logger: Logger): Promise<Cache> {
  const c = config.cache;
  switch (c.backend) {
    case 'memory':
      return memoryCacheBackend.create(c);
    case 'redis': {
      const cache = await redisCacheBackend.create(c);
      logger.info('cache open', { backend: 'redis', url: c.url });
      return cache;
    }
  }
}
