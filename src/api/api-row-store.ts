import type { RowStore } from '../serving/row-store.js';

/** What the API reads from the row store (so a caching wrapper can stand in for it). */
export type ApiRowStore = Pick<RowStore, 'markets' | 'cheapest' | 'ping'>;
