import { z } from 'zod';
import type { Cache } from '../cache.js';

const configSchema = z.strictObject({
  url: z.string().min(1).default('redis://127.0.0.1:6379').describe('Redis server'),
  prefix: z.string().default('faresight:').describe('prefix of every key'),
});

/**
 * `cache.backend: redis`: shared by every API process, so invalidations reach them all.
 * When Redis cannot be reached it still resolves: the cache is degraded (reads go to the
 * row store, `degraded()` says why) and reconnects in the background; `onStatusChange`
 * hears every loss and recovery. ioredis is loaded only here.
 */
export const redisCacheBackend = {
  name: 'redis',
  configSchema,
  async create(
    settings: z.infer<typeof configSchema>,
    hooks: { onStatusChange?: (degraded: string | undefined) => void } = {},
  ): Promise<Cache> {
    const { RedisCache } = await import('./redis-cache.js');
    const cache = new RedisCache({
      url: settings.url,
      prefix: settings.prefix,
      ...(hooks.onStatusChange ? { onStatusChange: hooks.onStatusChange } : {}),
    });
    await cache.connect().catch(() => hooks.onStatusChange?.(cache.degraded()));
    return cache;
  },
} as const;
