import { z } from 'zod';
import type { Cache } from '../cache.js';
import { MemoryCache } from './memory-cache.js';

const configSchema = z.strictObject({
  maxEntries: z.number().int().positive().default(10_000).describe('entries of the in-process LRU'),
});

/** `cache.backend: memory` (the default): an in-process LRU of `cache.maxEntries`. */
export const memoryCacheBackend = {
  name: 'memory',
  configSchema,
  async create(settings: z.infer<typeof configSchema>): Promise<Cache> {
    return new MemoryCache({ maxEntries: settings.maxEntries });
  },
} as const;
