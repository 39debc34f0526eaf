import type { CacheConfig } from '../../config/config.js';
import type { Logger } from '../../ops/logger.js';
import type { Cache } from '../../serving/cache/cache.js';
import { memoryCacheBackend } from '../../serving/cache/memory/memory-backend.js';
import { redisCacheBackend } from '../../serving/cache/redis/redis-backend.js';

/**
 * Opens the cache of the `cache` config section: memory (default, in-process LRU of
 * `cache.maxEntries`) or redis (`cache.url`). When Redis cannot be reached it still
 * resolves: the cache is degraded (reads go to the row store, a warning is logged) and
 * reconnects in the background; losses and recoveries are logged. ioredis is loaded
 * only for redis.
 */
export async function openCache(config: { cache: CacheConfig }, logger: Logger): Promise<Cache> {
  const c = config.cache;
  switch (c.backend) {
    case 'memory':
      return memoryCacheBackend.create(c);
    case 'redis': {
      let up = true;
      const cache = await redisCacheBackend.create(c, {
        onStatusChange: (degraded) => {
          if (degraded) {
            if (up)
              logger.warn('cache degraded: reading through the row store, reconnecting', {
                reason: degraded,
              });
            up = false;
          } else {
            up = true;
            logger.info('cache reconnected', { backend: 'redis' });
          }
        },
      });
      if (up) logger.info('cache open', { backend: 'redis', url: c.url });
      return cache;
    }
  }
}
