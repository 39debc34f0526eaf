import type { z } from 'zod';
import type { ShoppingRecord } from '../model/shopping-record.js';
import type { ValidationPolicy } from '../model/validation-policy.js';
import type { AppendRecord, BatchPolicy } from '../stream/stream.js';

/** Where a batch came from, and what a use case may do besides its own writes. */
export interface BatchContext {
  /** The use case's consumer group (`rt-<name>`). */
  readonly group: string;
  /** Last sequence per shard in the batch: the position a commit will checkpoint. */
  readonly lastSeq: ReadonlyMap<number, number>;
  /**
   * The rules every record of the batch passed in the runner just before (use cases
   * without their own `decode`); a use case that validates with the same rules need not
   * check them again. Absent: nothing was checked.
   */
  readonly validated?: ValidationPolicy;
  /**
   * Appends derived records to stream `stream` (opened on first use by the runner's
   * `openStream`), for other use cases to consume (fan-out). Resolves when they are
   * durable. Give each record a deterministic `id` (e.g. derived from its source record):
   * a batch may be processed again, and the stream's dedupe window then drops the repeat.
   * Rejects when the runner was given no `openStream`.
   */
  publish(stream: string, records: readonly AppendRecord[]): Promise<void>;
}

/**
 * One real-time use case, fed micro-batches from its own consumer group `rt-<name>`, so
 * a slow or failing use case never holds back another.
 *
 * `processBatch` must make its effects durable before it resolves, and must be
 * idempotent: a batch is committed only after it resolves, and delivered again (whole or
 * in part) after a failure or a restart. A rejection is retried with backoff; after
 * `attemptsBeforeBisect` failures the runner bisects the batch to find the records that
 * keep failing and sends them to the dead-letter stream, and the rest moves on. When no
 * part of the batch succeeds the failure is taken as systemic (database down) and the
 * whole batch is retried until it succeeds, unless the error is a RecordRejectedError
 * (errors.ts), which dead-letters the records at once.
 *
 * `R` is the record type of the source stream: ShoppingRecord for the shopping stream
 * (the default); a use case reading a derived stream gives `source` and `decode`.
 */
export interface UseCase<R = ShoppingRecord> {
  /** Lower-case name (`serving`, `deals`); the consumer group is `rt-<name>`. */
  readonly name: string;
  /** Batch shape for this use case; default the runner's policy. */
  readonly policy?: BatchPolicy;
  /**
   * Schema of this use case's settings (`realtime.useCases.<name>` in the config), for
   * documentation and `--help`; the factory validates with it (see useCaseConfig).
   */
  readonly configSchema?: z.ZodType;
  /** Stream it consumes; default the shopping stream given to the runner. */
  readonly source?: string;
  /** Decodes one record of `source`; default the ShoppingRecord codec. Throwing dead-letters it. */
  decode?(data: Uint8Array): R;
  /**
   * Applies the decoded records of one batch (never empty). With the default `decode`,
   * the records are shared with the other use cases reading the same stream (decoded
   * once, see shared-decodes.ts): read them, never change them.
   */
  processBatch(records: readonly R[], ctx: BatchContext): Promise<void>;
  /** Releases what the use case opened (a thread), once the runner stopped feeding it. */
  close?(): Promise<void>;
}
