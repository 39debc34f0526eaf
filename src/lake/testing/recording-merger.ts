/** Test helper: a ParquetMerger that records, for each merge, whether it copied its sources in order. */
import type { ParquetMerger } from '../compaction/parquet-merger.js';

/**
 * `merger`, pushing onto `copiedInOrder` whether each merge wrote its sources one after the
 * other without a sort (its result's `concatenated`). Empty the array to start over.
 */
export function recordingMerger(merger: ParquetMerger, copiedInOrder: boolean[]): ParquetMerger {
  return {
    merge: async (...a) => {
      const r = await merger.merge(...a);
      copiedInOrder.push(r.concatenated === true);
      return r;
    },
    release: () => merger.release(),
    close: () => merger.close(),
  };
}
