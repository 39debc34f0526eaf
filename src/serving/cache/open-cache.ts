import type { Config } from '../../config/config.js';
import type { Logger } from '../../ops/logger.js';
import type { Cache } from './cache.js';
import { MemoryCache } from './memory/memory-cache.js';

/**
 * Opens the configured cache: `cache.backend` memory (default, in-process LRU of
 * `cache.maxEntries`) or redis (`cache.redisUrl`). When Redis cannot be reached it still
 * resolves: the cache is degraded (reads go to the row store, `degraded()` says why, a
 * warning is logged) and reconnects in the background; losses and recoveries are logged.
 * ioredis is loaded only for redis.
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
        onStatusChange: (degraded) => {
          if (degraded)
            logger.warn('cache degraded: reading through the row store, reconnecting', {
              reason: degraded,
            });
          else logger.info('cache reconnected', { backend: 'redis' });
        },
      });
      try {
        await cache.connect();
        logger.info('cache open', { backend: 'redis', url: config.cache.redisUrl });
      } catch {
        logger.warn('cache degraded: reading through the row store, reconnecting', {
          reason: cache.degraded(),
        });
      }
      return cache;
    }
  }
}
