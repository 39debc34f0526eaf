import type { ShoppingRecord } from '../model/shopping-record.js';
import type { BatchPolicy } from '../stream/stream.js';

/** Where a batch came from, for use cases that checkpoint state with stream positions. */
export interface BatchContext {
  /** The use case's consumer group (`rt-<name>`). */
  readonly group: string;
  /** Last sequence per shard in the batch: the position a commit will checkpoint. */
  readonly lastSeq: ReadonlyMap<number, number>;
}

/**
 * One real-time use case, fed micro-batches from its own consumer group `rt-<name>`, so
 * a slow or failing use case never holds back another.
 *
 * `processBatch` must make its effects durable before it resolves, and must be
 * idempotent: a batch is committed only after it resolves, and delivered again (whole or
 * in part) after a failure or a restart. A rejection is treated as transient: the same
 * records are retried with backoff until they succeed or the runner stops.
 */
export interface UseCase {
  /** Lower-case name (`serving`, `deals`); the consumer group is `rt-<name>`. */
  readonly name: string;
  /** Batch shape for this use case; default the runner's policy. */
  readonly policy?: BatchPolicy;
  /** Applies the decoded records of one batch (never empty). */
  processBatch(records: readonly ShoppingRecord[], ctx: BatchContext): Promise<void>;
}
