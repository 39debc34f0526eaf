import type { RowStore } from './row-store.js';

/**
 * Everything the API reads from the serving store: the row store itself, or a wrapper
 * with the same methods (the cache, cache/cached-reads.ts).
 */
export type ServingReads = Pick<
  RowStore,
  'markets' | 'cheapest' | 'calendar' | 'market' | 'itineraries' | 'ping'
>;
