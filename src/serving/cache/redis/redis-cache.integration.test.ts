import { runCacheSuite } from '../testing/cache-suite.js';
import { redisCachePair } from './testing/redis-cache-pair.js';

runCacheSuite(redisCachePair());
