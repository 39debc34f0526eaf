/**
 * The consumer loop every consumer of a stream runs: read -> decode -> process -> on
 * failure retry with backoff, bisect, dead-letter -> commit. A sink says how to decode,
 * process and dead-letter its records; the loop owns the rules:
 * - reads and commits are retried with capped exponential backoff, never a hot loop;
 * - a record that cannot be decoded (or is refused with InvalidRecordError) is
 *   dead-lettered at once, before the sink sees the batch, costing no retries;
 * - a batch is decoded in time slices (TimeSlice), the event loop turning between them;
 * - a failing batch is retried, then bisected so that records failing on their own (twice,
 *   unless the error is permanent) are dead-lettered and the rest moves on (a permanent
 *   error bisects at once); when no record succeeds on its own the failure is systemic
 *   and the whole batch is retried;
 * - a batch is committed only once processed (and then even while stopping: the drain);
 *   a commit refused by the lease (FencedError) leaves the batch to the shard's new owner;
 * - a sink that holds records past `process` (DurableSink: the lake writer) has its
 *   processed batches kept and committed in order once none of their records is held,
 *   everything held made durable before the shards read change and at stop (the batch
 *   whose read the stop cut short included); a FencedError of the sink (a refused
 *   publish) or of a commit drops what is held;
 * - a loop that throws outside that handling is logged, backed off and restarted on a
 *   fresh consumer, so it resumes from its last committed checkpoint.
 */
import { backoffDelay, type RetryPolicy, sleep } from '../../ops/backoff.js';
import type { Logger } from '../../ops/logger.js';
import { TimeSlice } from '../../ops/time-slice.js';
import { FencedError } from '../lease/lease-store.js';
import type { Batch, Consumer, StreamRecord } from '../stream.js';
import {
  type ConsumerSink,
  InvalidRecordError,
  type LoopHooks,
  type LoopStage,
  type LoopStats,
  messageOf,
  type Rejected,
} from './consumer-sink.js';
import type { DurableSink } from './durable-sink.js';
import { type Isolation, isolateFailures } from './isolate-failures.js';

export {
  type ConsumerSink,
  InvalidRecordError,
  type LoopHooks,
  type LoopStage,
  type LoopStats,
  messageOf,
  type Rejected,
};

export interface ConsumerLoopOptions<R> {
  sink: ConsumerSink<R>;
  /** Opens a consumer of the group (again after a crash). */
  openConsumer: () => Promise<Consumer>;
  /** A consumer already open for the first run. */
  first?: Consumer;
  stats: LoopStats;
  signal: AbortSignal;
  retry: RetryPolicy;
  /** Failed attempts of a whole batch before it is bisected. */
  attemptsBeforeBisect: number;
  logger: Logger;
  hooks?: LoopHooks;
  /**
   * Longest a durable sink's flush at stop may take, ms: past it the sink writes no more,
   * the batches it made durable are committed and the rest is left uncommitted (read
   * again after a restart). Default none (the flush takes what it takes).
   */
  stopFlushMs?: number;
}

/**
 * Runs the loop until `signal` aborts. Rejects only for a durable sink whose last flush or
 * commit at stop failed (nothing of what it held is committed). When the loop crashes, its consumer is closed, the
 * crash is logged and counted, and after a backoff (growing while the loop crashes
 * without committing) a new consumer starts at the last committed checkpoint: the batch
 * in flight is delivered again, nothing is skipped.
 */
export async function runConsumerLoop<R>(opts: ConsumerLoopOptions<R>): Promise<void> {
  const { stats, signal } = opts;
  let consumer: Consumer | undefined = opts.first;
  let crashes = 0;
  while (!signal.aborted) {
    if (!consumer) {
      try {
        consumer = await opts.openConsumer();
      } catch (err) {
        noteFailure('open', err, ++crashes, opts);
        await sleep(backoffDelay(crashes, opts.retry), signal);
        continue;
      }
    }
    const committed = stats.batches;
    const crash = await runLoop(consumer, opts);
    consumer = undefined;
    if (signal.aborted) {
      // What a durable sink held could not be made durable: the stop failed.
      if (crash && opts.sink.durable) throw crash.error;
      return;
    }
    if (!crash) return;
    crashes = stats.batches > committed ? 1 : crashes + 1;
    stats.restarts++;
    opts.hooks?.restart?.();
    const delayMs = backoffDelay(crashes, opts.retry);
    opts.logger.error('consumer loop crashed; restarting from the last committed checkpoint', {
      error: messageOf(crash.error),
      crashes,
      restartInMs: delayMs,
    });
    await sleep(delayMs, signal);
  }
}

/**
 * Runs `op` until it succeeds, waiting with backoff between failures. Resolves false,
 * without success, only when the signal aborts.
 */
async function retrying<R>(
  what: LoopStage,
  op: () => Promise<void>,
  opts: ConsumerLoopOptions<R>,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await op();
      opts.stats.lastError = undefined;
      return true;
    } catch (err) {
      if (opts.signal.aborted && what === 'read') return false;
      noteFailure(what, err, attempt, opts);
      await sleep(backoffDelay(attempt, opts.retry), opts.signal);
      if (opts.signal.aborted) return false;
    }
  }
}

function noteFailure<R>(
  what: LoopStage,
  err: unknown,
  attempt: number,
  opts: ConsumerLoopOptions<R>,
): void {
  opts.stats.failures++;
  opts.hooks?.failure?.(what);
  opts.stats.lastError = `${what}: ${messageOf(err)}`;
  opts.logger.warn(`${what} failed, retrying`, { attempt, error: messageOf(err) });
}

/** Dead-letters records (retrying until durable, or only logging without a store). */
async function deadLetter<R>(entries: Rejected[], opts: ConsumerLoopOptions<R>): Promise<boolean> {
  if (entries.length === 0) return true;
  for (const e of entries)
    opts.logger.error('record dead-lettered', { id: e.raw.id, seq: e.raw.seq, reason: e.reason });
  const sink = opts.sink;
  if (sink.deadLetter) {
    const ok = await retrying('dead-letter', () => sink.deadLetter!(entries), opts);
    if (!ok) return false;
  }
  opts.stats.deadLetters += entries.length;
  opts.hooks?.deadLettered?.(entries.length);
  return true;
}

/** A decoded record with the stream record it came from. */
interface Item<R> {
  raw: StreamRecord;
  value: R;
}

/**
 * Processes `items` to the end: every record either applied or dead-lettered. Resolves
 * the number applied, or undefined when the loop stops first (nothing is committed).
 */
async function processAll<R>(
  items: readonly Item<R>[],
  batch: Batch,
  opts: ConsumerLoopOptions<R>,
): Promise<number | undefined> {
  const { sink, signal, stats } = opts;
  const run = (part: readonly Item<R>[]) =>
    sink.process(
      part.map((i) => i.value),
      batch,
    );
  for (let attempt = 1; ; attempt++) {
    let error: unknown;
    try {
      await run(items);
      stats.lastError = undefined;
      return items.length;
    } catch (err) {
      // The shards moved: nothing to retry or bisect here (the sink drops what it holds).
      if (err instanceof FencedError) throw err;
      error = err;
      noteFailure('process', err, attempt, opts);
    }
    if (signal.aborted) return undefined;
    const permanent = sink.isPermanent(error);
    if (permanent || (attempt >= opts.attemptsBeforeBisect && items.length > 1)) {
      const found = await confirmFailures(await isolateFailures(items, run, signal), opts, run);
      if (signal.aborted) return undefined;
      const poison = found.failed.filter((f) => found.succeeded > 0 || sink.isPermanent(f.error));
      if (poison.length === found.failed.length) {
        const ok = await deadLetter(
          poison.map((f) => ({
            raw: f.item.raw,
            decoded: f.item.value,
            reason: messageOf(f.error),
          })),
          opts,
        );
        if (!ok) return undefined;
        stats.lastError = undefined;
        return found.succeeded;
      }
      // Nothing succeeded on its own: a systemic failure, not bad records. Retry all.
    }
    await sleep(backoffDelay(attempt, opts.retry), signal);
    if (signal.aborted) return undefined;
  }
}

/**
 * Gives each record that failed alone with a retriable error one more try alone, after a
 * backoff: a failure that came and went while the batch was halved (a database
 * restarting, a disk filling and freeing) is nobody's record. A record that passes now is
 * applied and counted as succeeded.
 */
async function confirmFailures<R>(
  found: Isolation<Item<R>>,
  opts: ConsumerLoopOptions<R>,
  run: (part: readonly Item<R>[]) => Promise<void>,
): Promise<Isolation<Item<R>>> {
  const { sink, signal } = opts;
  if (found.failed.every((f) => sink.isPermanent(f.error))) return found;
  await sleep(backoffDelay(1, opts.retry), signal);
  const out: Isolation<Item<R>> = { succeeded: found.succeeded, failed: [] };
  for (const f of found.failed) {
    if (signal.aborted || sink.isPermanent(f.error)) {
      out.failed.push(f);
      continue;
    }
    try {
      await run([f.item]);
      out.succeeded++;
    } catch (error) {
      out.failed.push({ item: f.item, error });
    }
  }
  return out;
}

/** A processed batch a durable sink still holds records of, with how many it applied. */
interface Held {
  batch: Batch;
  applied: number;
}

/**
 * Reads, processes and commits batches until the signal aborts (resolves undefined) or
 * something throws outside the record-level handling (resolves the error). Closes the
 * consumer either way. With a durable sink, whatever it holds at stop is flushed and
 * committed first (a failure then is resolved as the error).
 */
async function runLoop<R>(
  consumer: Consumer,
  opts: ConsumerLoopOptions<R>,
): Promise<{ error: unknown } | undefined> {
  const { sink, signal } = opts;
  const durable = sink.durable;
  const held: Held[] = [];
  const fenced = async (err: FencedError) => {
    // Another process holds these shards now: it delivers the batch again from the
    // checkpoint (sinks are idempotent), so it is not ours to count or to retry.
    if (durable) await durable.fenced(err);
    else {
      opts.logger.warn('commit fenced: the shards moved to another process', {
        shards: err.shards.join(','),
      });
    }
    held.length = 0;
    consumer.reset();
  };
  try {
    await durable?.start(consumer);
    while (!signal.aborted) {
      let batch: Batch | undefined;
      try {
        // Before the shards read change, what is held of them is made durable and committed.
        if (durable && consumer.rebalancing?.()) await drainHeld(durable, consumer, held, opts);
        if (signal.aborted) break;
        const read = await retrying(
          'read',
          async () => {
            batch = await consumer.read(signal);
          },
          opts,
        );
        if (!read || !batch) break;
        // A read the stop cut short returns what it took. A durable sink takes it too, to
        // make it durable at stop: a clean stop within `stopFlushMs` leaves stored every
        // record appended before it. Any other sink leaves it uncommitted, delivered again
        // after a restart.
        if (signal.aborted && !durable) break;
        if (batch.records.length > 0) {
          const applied = await processBatch(batch, opts);
          if (applied === undefined) break;
          if (durable) held.push({ batch, applied });
          else if (!(await commitNow(consumer, batch, applied, opts))) break;
        }
        if (durable) {
          await durable.advance(signal);
          await commitHeld(durable, consumer, held, opts, false);
        }
      } catch (err) {
        if (!(err instanceof FencedError)) throw err;
        await fenced(err);
      }
    }
    if (durable) {
      try {
        await durable.flush(
          opts.stopFlushMs === undefined ? undefined : AbortSignal.timeout(opts.stopFlushMs),
        );
        await commitHeld(durable, consumer, held, opts, true);
      } catch (err) {
        if (!(err instanceof FencedError)) throw err;
        await fenced(err);
      }
    }
    return undefined;
  } catch (error) {
    opts.stats.lastError = `loop crashed: ${messageOf(error)}`;
    return { error };
  } finally {
    await consumer
      .close()
      .catch((err: Error) => opts.logger.warn('consumer close failed', { error: err.message }));
  }
}

/**
 * Decodes a batch (dead-lettering what does not decode) and processes the rest. Resolves
 * the number of records applied, or undefined when the loop stops first.
 */
async function processBatch<R>(
  batch: Batch,
  opts: ConsumerLoopOptions<R>,
): Promise<number | undefined> {
  const { sink, stats } = opts;
  const items: Item<R>[] = [];
  const undecodable: Rejected[] = [];
  // Decoding a large batch takes hundreds of ms: in slices, so that the requests of a
  // process that also serves (`up`) wait about one slice, not the whole batch.
  const slice = new TimeSlice();
  for (const raw of batch.records) {
    if (slice.due()) await slice.pause();
    try {
      items.push({ raw, value: sink.decode(raw.data, raw) });
    } catch (err) {
      if (err instanceof InvalidRecordError) {
        undecodable.push({ raw, decoded: err.record, reason: err.message });
        continue;
      }
      stats.decodeErrors++;
      undecodable.push({ raw, decoded: undefined, reason: `cannot decode: ${messageOf(err)}` });
    }
  }
  if (!(await deadLetter(undecodable, opts))) return undefined;
  return items.length > 0 ? processAll(items, batch, opts) : 0;
}

/** Counts a committed batch. */
function counted<R>(applied: number, seconds: number, opts: ConsumerLoopOptions<R>): void {
  const { stats } = opts;
  stats.batches++;
  stats.records += applied;
  stats.lastCommitAt = Date.now();
  opts.hooks?.committed?.(applied, seconds);
  opts.logger.debug('batch committed', { records: applied });
}

/**
 * Commits a processed batch, retrying; once processed, a batch is committed even while
 * stopping (that is the drain). Resolves false when the loop stops first; throws the
 * FencedError of a commit the lease refused.
 */
async function commitNow<R>(
  consumer: Consumer,
  batch: Batch,
  applied: number,
  opts: ConsumerLoopOptions<R>,
): Promise<boolean> {
  let fenced: FencedError | undefined;
  const started = performance.now();
  const committed = await retrying(
    'commit',
    async () => {
      try {
        await consumer.commit(batch);
      } catch (err) {
        if (!(err instanceof FencedError)) throw err;
        fenced = err;
      }
    },
    opts,
  );
  if (!committed) return false;
  if (fenced) throw fenced;
  counted(applied, (performance.now() - started) / 1000, opts);
  return true;
}

/**
 * Commits, in order, the held batches none of whose records the durable sink still holds.
 * A failure leaves them for the next call, except at the `final` call (stop), where it is
 * thrown; a FencedError is always thrown.
 */
async function commitHeld<R>(
  durable: DurableSink,
  consumer: Consumer,
  held: Held[],
  opts: ConsumerLoopOptions<R>,
  final: boolean,
): Promise<void> {
  if (held.length === 0) return;
  const attempt = async (stage: LoopStage, op: () => Promise<void>): Promise<boolean> => {
    try {
      await op();
      return true;
    } catch (err) {
      if (final || err instanceof FencedError) throw err;
      noteFailure(stage, err, 1, opts);
      return false;
    }
  };
  if (!(await attempt('prepare', () => durable.prepareCommit()))) return;
  while (held.length > 0) {
    const { batch, applied } = held[0]!;
    for (const [shard, last] of batch.lastSeq) {
      const from = durable.heldFrom(shard);
      if (from !== undefined && from <= last) return;
    }
    const started = performance.now();
    if (!(await attempt('commit', () => consumer.commit(batch)))) return;
    opts.stats.lastError = undefined;
    held.shift();
    counted(applied, (performance.now() - started) / 1000, opts);
  }
}

/**
 * Makes everything the durable sink holds durable and commits every held batch, retrying
 * with backoff; returns early when the loop stops.
 */
async function drainHeld<R>(
  durable: DurableSink,
  consumer: Consumer,
  held: Held[],
  opts: ConsumerLoopOptions<R>,
): Promise<void> {
  await durable.drain(opts.signal);
  for (let attempt = 1; held.length > 0 && !opts.signal.aborted; attempt++) {
    await commitHeld(durable, consumer, held, opts, false);
    if (held.length > 0) await sleep(backoffDelay(attempt, opts.retry), opts.signal);
  }
}
