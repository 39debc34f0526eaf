import { redisCachePair } from '../serving/cache/redis/testing/redis-cache-pair.js';
import { runSharedCacheSuite } from './testing/shared-cache-suite.js';

runSharedCacheSuite(redisCachePair());
