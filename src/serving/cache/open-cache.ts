import type { Config } from '../../config/config.js';
import type { Logger } from '../../ops/logger.js';
import type { Cache } from './cache.js';
import { MemoryCache } from './memory/memory-cache.js';

/**
 * Opens the configured cache: `cache.backend` memory (default, in-process LRU of
 * `cache.maxEntries`) or redis (`cache.redisUrl`, connected before returning; rejects when
 * Redis cannot be reached). ioredis is loaded only for redis.
 */
export async function openCache(config: Config, logger: Logger): Promise<Cache> {
  switch (config.cache.backend) {
    case 'memory':
      return new MemoryCache({ maxEntries: config.cache.maxEntries });
    case 'redis': {
      const { RedisCache } = await import('./redis/redis-cache.js');
      const cache = new RedisCache({
        url: config.cache.redisUrl,
        prefix: config.cache.redisPrefix,
      });
      await cache.connect().catch(async (err) => {
        await cache.close();
        throw err;
      });
      logger.info('cache open', { backend: 'redis', url: config.cache.redisUrl });
      return cache;
    }
  }
}
