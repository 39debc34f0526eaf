import type { ServingReads } from '../serving/serving-reads.js';

/** What the API reads (kept for callers of the first API; same as ServingReads). */
export type ApiRowStore = ServingReads;
