import { z } from 'zod';
import type { Cache } from '../cache.js';

const configSchema = z.strictObject({
  url: z.string().min(1).default('redis://127.0.0.1:6379').describe('Redis server'),
  prefix: z.string().default('faresight:').describe('prefix of every key'),
});

/**
 * `cache.backend: redis`: shared by every API process, so invalidations reach them all.
 * Connected before returning; rejects when Redis cannot be reached. ioredis is loaded only here.
 */
export const redisCacheBackend = {
  name: 'redis',
  configSchema,
  async create(settings: z.infer<typeof configSchema>): Promise<Cache> {
    const { RedisCache } = await import('./redis-cache.js');
    const cache = new RedisCache({ url: settings.url, prefix: settings.prefix });
    await cache.connect().catch(async (err) => {
      await cache.close();
      throw err;
    });
    return cache;
  },
} as const;
