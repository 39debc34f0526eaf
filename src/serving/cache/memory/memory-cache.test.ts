import { runCacheSuite } from '../testing/cache-suite.js';
import { MemoryCache } from './memory-cache.js';

runCacheSuite({
  name: 'the in-process LRU',
  async open() {
    const shared = new MemoryCache();
    return [shared, shared];
  },
});
