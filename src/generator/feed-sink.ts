import type { ShoppingRecord } from '../model/shopping-record.js';

/** Running totals of a feed, shared by the pacing loop and its sink. */
export interface FeedCounters {
  /** Records delivered: written out, or posted and answered with a 2xx. */
  sent: number;
  /** Records the receiver accepted (equal to `sent` for files). */
  accepted: number;
  /** Records refused by the receiver or given up on (never silently dropped). */
  failed: number;
}

/** Where a feed's batches go. `write` resolves when the batch is accounted for in the counters. */
export interface FeedSink {
  /** Most batches the feed may have in flight at once. */
  readonly concurrency: number;
  write(batch: readonly ShoppingRecord[]): Promise<void>;
  /** Flushes and releases the sink; called once, after every write has settled. */
  close(): Promise<void>;
}
