import type { Logger } from '../ops/logger.js';
import type { UseCase } from '../realtime/use-case.js';
import type { RowStore } from './row-store.js';

/** Default interval between row store housekeeping runs (RowStore.prune). */
export const DEFAULT_PRUNE_EVERY_MS = 10 * 60_000;

export interface ServingUseCaseOptions {
  rowStore: RowStore;
  logger: Logger;
  /** Minimum time between prune runs [DEFAULT_PRUNE_EVERY_MS]; the first batch runs one. */
  pruneEveryMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * The default real-time use case `serving`: applies each batch to the row store
 * (cheapest fares and market counts, idempotently) and now and then prunes it. A prune
 * failure is logged, not thrown: the batch itself is already durable.
 */
export function createServingUseCase(opts: ServingUseCaseOptions): UseCase {
  const every = opts.pruneEveryMs ?? DEFAULT_PRUNE_EVERY_MS;
  const now = opts.now ?? Date.now;
  let lastPrune = Number.NEGATIVE_INFINITY;
  return {
    name: 'serving',
    async processBatch(records) {
      const r = await opts.rowStore.applyRecords(records);
      opts.logger.debug('applied', { records: records.length, ...r });
      if (now() - lastPrune < every) return;
      lastPrune = now();
      try {
        const p = await opts.rowStore.prune({ now: lastPrune });
        if (p.searchIds + p.departedFares > 0) opts.logger.info('row store pruned', { ...p });
      } catch (err) {
        opts.logger.warn('row store prune failed', { error: (err as Error).message });
      }
    },
  };
}
