import { MemoryCache } from '../serving/cache/memory/memory-cache.js';
import { runSharedCacheSuite } from './testing/shared-cache-suite.js';

runSharedCacheSuite({
  name: 'the in-process LRU',
  async open() {
    const shared = new MemoryCache();
    return [shared, shared];
  },
});
