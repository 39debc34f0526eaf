import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CacheSuiteOptions } from '../../testing/cache-suite.js';
import { RedisCache } from '../redis-cache.js';

/**
 * Two RedisCache handles on one key prefix of their own, on FARESIGHT_TEST_REDIS_URL
 * (default redis://127.0.0.1:6379), as the options of a cache suite: when Redis cannot
 * be reached the suite is skipped with the reason printed, or fails with CI=true;
 * `cleanup` deletes the prefix's keys.
 */
export function redisCachePair(): CacheSuiteOptions {
  const url = process.env.FARESIGHT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `faresight-test-${randomBytes(6).toString('hex')}:`;
  let skip = '';
  return {
    name: 'Redis',
    async open() {
      const handles = [new RedisCache({ url, prefix }), new RedisCache({ url, prefix })] as const;
      try {
        for (const h of handles) await h.connect();
        return [handles[0], handles[1]];
      } catch (err) {
        for (const h of handles) await h.close();
        skip = `Redis not reachable at ${url} (${(err as Error).message})`;
        if (process.env.CI === 'true') throw new Error(`CI=true and ${skip}`);
        console.log(`# skipping the cache on Redis: ${skip}`);
        return undefined;
      }
    },
    skipReason: () => skip,
    async cleanup() {
      if (skip) return;
      const r = new Redis(url);
      try {
        const keys = await r.keys(`${prefix}*`);
        if (keys.length > 0) await r.del(...keys);
      } finally {
        r.disconnect();
      }
    },
  };
}
