/**
 * What a sink that holds records past `process` plugs into the consumer loop (the lake
 * writer buffers records across batches into partition files): the loop keeps each
 * processed batch until the sink reports that none of its records is still held, and
 * commits the batches in order as they become durable.
 */
import type { FencedError } from '../lease/lease-store.js';
import type { Consumer } from '../stream.js';

/**
 * The durable side of a ConsumerSink whose commits advance later than its processing.
 * A FencedError thrown by any method (or by `process`) means the shards moved to another
 * process: the loop calls `fenced`, forgets the batches it holds and reads on from the
 * checkpoints of the shards still held. Any other error is a failed attempt the loop
 * retries (or, at stop, the error of the stop).
 */
export interface DurableSink {
  /**
   * The loop starts (again, after a crash) on `consumer`, from its committed
   * checkpoints: forget whatever is held. Resolves once earlier work has settled.
   */
  start(consumer: Consumer): Promise<void>;
  /**
   * Called after every read (empty batches included) once the batch is processed: makes
   * progress on what is held (the lake closes idle buffers and starts writes) and waits
   * while too much is held (backpressure), until `signal` aborts.
   */
  advance(signal: AbortSignal): Promise<void>;
  /** The lowest seq of `shard` processed but not yet durable; undefined when none is. */
  heldFrom(shard: number): number | undefined;
  /**
   * Makes durable what a commit relies on besides the records (the lake's catalog and the
   * dead letters found while writing). The loop calls it before committing; a failure
   * leaves the batches for the next attempt.
   */
  prepareCommit(): Promise<void>;
  /**
   * Before the shards read change: makes everything held durable, retrying failed writes
   * on their own backoff; resolves once nothing is held or `signal` aborts.
   */
  drain(signal: AbortSignal): Promise<void>;
  /**
   * At stop: one last attempt to make everything held durable; rejects on a failure. When
   * `deadline` aborts first, starts nothing more and resolves once what is in flight has
   * settled: the loop commits what is durable, and the rest is delivered again after a
   * restart.
   */
  flush(deadline?: AbortSignal): Promise<void>;
  /**
   * The lease refused a publish, a read or a commit: the shards named moved to another
   * process, which writes them again from the checkpoint. Forget everything held.
   */
  fenced(err: FencedError): Promise<void>;
}
