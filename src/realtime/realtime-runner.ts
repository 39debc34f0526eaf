/**
 * The micro-batch runner: each use case reads its own consumer group `rt-<name>` on its
 * source stream (default the shopping stream), decodes each batch, hands it to
 * `processBatch`, and commits only after that resolves. Reads and commits are retried with
 * capped exponential backoff; a failing batch is retried, then bisected so that records
 * that keep failing go to the dead-letter stream (stage `realtime:<name>`) and the rest
 * moves on (see UseCase for the rules). Records that cannot be decoded are dead-lettered
 * too, and so are shopping records that fail validation (a record on the stream from
 * before the rules were tightened, or written past ingest): at once, with the fields at
 * fault, before any use case sees them, so they cost no retries. Never a hot loop, never
 * a commit of an unprocessed batch. A loop that throws outside that handling (a bug, a
 * stream handing out garbage) is logged, backed off and restarted on a fresh consumer,
 * so it resumes from its last committed checkpoint while the other use cases keep going.
 */
import type { Registry } from 'prom-client';
import { decodeRecord } from '../model/codec.js';
import { deadLetterOf, encodeDeadLetter } from '../model/dead-letter.js';
import { validateRecord } from '../model/validate.js';
import { DEFAULT_VALIDATION_POLICY, type ValidationPolicy } from '../model/validation-policy.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from '../ops/backoff.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import { FencedError } from '../stream/lease/lease-store.js';
import type {
  AppendRecord,
  Batch,
  BatchPolicy,
  Consumer,
  ShardLag,
  Stream,
  StreamRecord,
} from '../stream/stream.js';
import { RecordRejectedError } from './errors.js';
import { isolateFailures } from './isolate-failures.js';
import { type RealtimeMetrics, registerRealtimeMetrics } from './realtime-metrics.js';
import { StreamPool } from './stream-pool.js';
import type { BatchContext, UseCase } from './use-case.js';

/** Default failed attempts of a whole batch before it is bisected. */
export const DEFAULT_ATTEMPTS_BEFORE_BISECT = 3;

/** Counters of one use case since start. */
export interface UseCaseStats {
  name: string;
  group: string;
  /** Stream the use case reads. */
  source: string;
  /** Batches processed and committed. */
  batches: number;
  /** Records handed to processBatch in committed batches (dead-lettered ones excluded). */
  records: number;
  /** Records skipped because they could not be decoded (also dead-lettered). */
  decodeErrors: number;
  /** Records sent to the dead-letter stream (undecodable or failing on their own). */
  deadLetters: number;
  /** Failed attempts (read, process or commit) that were retried. */
  failures: number;
  /** Times the loop crashed and was restarted from the last committed checkpoint. */
  restarts: number;
  /** Message of the latest failure, until the next success. */
  lastError: string | undefined;
  /** Epoch ms of the latest commit. */
  lastCommitAt: number | undefined;
}

/** The running runner. `stop()` finishes the batch in flight (and commits it) then closes. */
export interface RealtimeService extends Service {
  stats(): UseCaseStats[];
  /** Stream lag of every use case's group. */
  lag(): Promise<ShardLag[]>;
}

export interface RealtimeOptions {
  /** The shopping stream: source of use cases without `source`. */
  stream: Stream;
  // biome-ignore lint/suspicious/noExplicitAny: use cases of any record type run side by side
  useCases: readonly UseCase<any>[];
  /** Batch policy of use cases that do not set their own. */
  policy: BatchPolicy;
  logger: Logger;
  /** Retry delays; default DEFAULT_RETRY_POLICY. */
  retry?: RetryPolicy;
  /** Failed attempts before bisecting [DEFAULT_ATTEMPTS_BEFORE_BISECT]. */
  attemptsBeforeBisect?: number;
  /**
   * Opens (connects) another stream by name: the sources of use cases with `source` and
   * the targets of `ctx.publish`. The runner closes what it opened when it stops. Without
   * it only the shopping stream can be read and publish rejects.
   */
  openStream?: (name: string) => Promise<Stream>;
  /**
   * The dead-letter stream (DEAD_LETTER_STREAM). Without it a record that would go there
   * is logged (error) and counted, and the batch still moves on.
   */
  deadLetters?: Stream;
  /** Where to register the Prometheus metrics (see registerRealtimeMetrics); none without. */
  registry?: Registry;
  /**
   * Opens the consumer of a use case's group on its source [source.consumer(group,
   * policy)]: scale-out passes one that reads only the shards this process leases
   * (LeasedConsumer). A commit it refuses with FencedError (the shards moved to another
   * process) leaves the batch to the new owner and the loop reads on.
   */
  openConsumer?: (source: Stream, group: string, policy: BatchPolicy) => Promise<Consumer>;
  /**
   * Rules shopping records (use cases without their own `decode`) must pass before any
   * use case sees them; the same policy ingest validates with [DEFAULT_VALIDATION_POLICY].
   */
  validation?: ValidationPolicy;
}

/** The consumer group of a use case. */
export function groupOf(useCase: Pick<UseCase, 'name'>): string {
  return `rt-${useCase.name}`;
}

/**
 * Opens one consumer per use case and starts their loops. Rejects (closing what it
 * opened) when a consumer cannot be opened or two use cases share a name.
 */
export async function startRealtime(opts: RealtimeOptions): Promise<RealtimeService> {
  const names = new Set<string>();
  for (const uc of opts.useCases) {
    if (!/^[a-z][a-z0-9-]*$/.test(uc.name))
      throw new Error(`use case name "${uc.name}" is not lower-case kebab`);
    if (names.has(uc.name)) throw new Error(`use case "${uc.name}" is listed twice`);
    names.add(uc.name);
  }
  const retry = opts.retry ?? DEFAULT_RETRY_POLICY;
  const openConsumer =
    opts.openConsumer ??
    ((source: Stream, group: string, policy: BatchPolicy) => source.consumer(group, policy));
  const abort = new AbortController();
  const pool = new StreamPool(opts.stream, opts.openStream);
  const consumers: Consumer[] = [];
  const sources: Stream[] = [];
  try {
    for (const uc of opts.useCases) {
      const source = await pool.get(uc.source ?? opts.stream.name);
      sources.push(source);
      consumers.push(await openConsumer(source, groupOf(uc), uc.policy ?? opts.policy));
    }
  } catch (err) {
    await Promise.allSettled(consumers.map((c) => c.close()));
    await pool.close();
    throw err;
  }
  const stats: UseCaseStats[] = opts.useCases.map((uc, i) => ({
    name: uc.name,
    group: groupOf(uc),
    source: sources[i]!.name,
    batches: 0,
    records: 0,
    decodeErrors: 0,
    deadLetters: 0,
    failures: 0,
    restarts: 0,
    lastError: undefined,
    lastCommitAt: undefined,
  }));
  const lagOf = async () => {
    const out: { useCase: string; lag: ShardLag[] }[] = [];
    for (let i = 0; i < stats.length; i++)
      out.push({ useCase: stats[i]!.name, lag: await sources[i]!.lag(stats[i]!.group) });
    return out;
  };
  const metrics = opts.registry ? registerRealtimeMetrics(opts.registry, lagOf) : undefined;
  const loops = opts.useCases.map((uc, i) =>
    superviseLoop(uc, consumers[i]!, sources[i]!, uc.policy ?? opts.policy, stats[i]!, {
      signal: abort.signal,
      retry,
      attemptsBeforeBisect: opts.attemptsBeforeBisect ?? DEFAULT_ATTEMPTS_BEFORE_BISECT,
      logger: opts.logger.child(`realtime:${uc.name}`),
      pool,
      deadLetters: opts.deadLetters,
      metrics,
      validation: opts.validation ?? DEFAULT_VALIDATION_POLICY,
      openConsumer,
    }),
  );
  opts.logger.info('realtime started', { useCases: opts.useCases.map((u) => u.name).join(',') });
  let stopping: Promise<void> | undefined;
  return {
    name: 'realtime',
    stats: () => stats.map((s) => ({ ...s })),
    async lag() {
      return (await lagOf()).flatMap((l) => l.lag);
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        await Promise.all(loops);
        await pool.close();
        opts.logger.info('realtime stopped');
      })();
      return stopping;
    },
  };
}

interface LoopContext {
  signal: AbortSignal;
  retry: RetryPolicy;
  attemptsBeforeBisect: number;
  logger: Logger;
  pool: StreamPool;
  deadLetters: Stream | undefined;
  metrics: RealtimeMetrics | undefined;
  validation: ValidationPolicy;
  openConsumer: (source: Stream, group: string, policy: BatchPolicy) => Promise<Consumer>;
}

/** A decoded record with the stream record it came from. */
interface Item<R> {
  raw: StreamRecord;
  value: R;
}

/**
 * Runs `op` until it succeeds, waiting with backoff between failures. Resolves false,
 * without success, only when the signal aborts.
 */
async function retrying(
  what: string,
  op: () => Promise<void>,
  stats: UseCaseStats,
  ctx: LoopContext,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await op();
      stats.lastError = undefined;
      return true;
    } catch (err) {
      if (ctx.signal.aborted && what === 'read') return false;
      noteFailure(what, err, attempt, stats, ctx);
      await sleep(backoffDelay(attempt, ctx.retry), ctx.signal);
      if (ctx.signal.aborted) return false;
    }
  }
}

function noteFailure(
  what: string,
  err: unknown,
  attempt: number,
  stats: UseCaseStats,
  ctx: LoopContext,
): void {
  stats.failures++;
  ctx.metrics?.failures.inc({ use_case: stats.name });
  stats.lastError = `${what}: ${messageOf(err)}`;
  ctx.logger.warn(`${what} failed, retrying`, { attempt, error: messageOf(err) });
}

/** The message of anything thrown: use cases may throw null, strings or plain objects. */
function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return `non-error thrown: ${typeof err === 'string' ? err : JSON.stringify(err)}`;
  } catch {
    return `non-error thrown: ${String(err)}`;
  }
}

/**
 * Runs the loop of one use case until the runner stops. When the loop crashes, its
 * consumer is closed, the crash is logged and counted, and after a backoff (growing while
 * the loop crashes without committing) a new consumer of the same group starts at the
 * last committed checkpoint: the batch in flight is delivered again, nothing is skipped.
 */
async function superviseLoop<R>(
  uc: UseCase<R>,
  first: Consumer,
  source: Stream,
  policy: BatchPolicy,
  stats: UseCaseStats,
  ctx: LoopContext,
): Promise<void> {
  let consumer: Consumer | undefined = first;
  let crashes = 0;
  while (!ctx.signal.aborted) {
    if (!consumer) {
      try {
        consumer = await ctx.openConsumer(source, stats.group, policy);
      } catch (err) {
        noteFailure('consumer open', err, ++crashes, stats, ctx);
        await sleep(backoffDelay(crashes, ctx.retry), ctx.signal);
        continue;
      }
    }
    const committed = stats.batches;
    const crash = await runLoop(uc, consumer, stats, ctx);
    consumer = undefined;
    if (!crash || ctx.signal.aborted) return;
    crashes = stats.batches > committed ? 1 : crashes + 1;
    stats.restarts++;
    ctx.metrics?.restarts.inc({ use_case: stats.name });
    const delayMs = backoffDelay(crashes, ctx.retry);
    ctx.logger.error('use case loop crashed; restarting from the last committed checkpoint', {
      error: messageOf(crash.error),
      crashes,
      restartInMs: delayMs,
    });
    await sleep(delayMs, ctx.signal);
  }
}

/** Sends records to the dead-letter stream (retrying until durable), or logs them without one. */
async function deadLetter(
  entries: { raw: StreamRecord; decoded: unknown; reason: string }[],
  stats: UseCaseStats,
  ctx: LoopContext,
): Promise<boolean> {
  if (entries.length === 0) return true;
  const stage = `realtime:${stats.name}`;
  const records: AppendRecord[] = entries.map((e) => {
    const vendor =
      typeof (e.decoded as { vendor?: unknown } | undefined)?.vendor === 'string'
        ? (e.decoded as { vendor: string }).vendor
        : 'unknown';
    const body =
      e.decoded === undefined ? Buffer.from(e.raw.data) : Buffer.from(JSON.stringify(e.decoded));
    const id = `${stats.group}:${e.raw.shard}:${e.raw.seq}`;
    const letter = deadLetterOf(
      id,
      vendor,
      new Date(),
      [{ index: 0, reason: `${e.raw.id}: ${e.reason}` }],
      body,
      e.decoded === undefined ? 'application/octet-stream' : 'application/json',
      stage,
    );
    return { key: vendor, id, data: encodeDeadLetter(letter) };
  });
  for (const e of entries)
    ctx.logger.error('record dead-lettered', { id: e.raw.id, seq: e.raw.seq, reason: e.reason });
  const dl = ctx.deadLetters;
  if (dl) {
    const ok = await retrying(
      'dead-letter append',
      () => dl.append(records).then(() => {}),
      stats,
      ctx,
    );
    if (!ok) return false;
  }
  stats.deadLetters += entries.length;
  ctx.metrics?.deadLetters.inc({ use_case: stats.name }, entries.length);
  return true;
}

/**
 * Processes `items` to the end: every record either applied or dead-lettered. Resolves
 * the number applied, or undefined when the runner stops first (nothing is committed).
 */
async function processAll<R>(
  uc: UseCase<R>,
  items: readonly Item<R>[],
  batchCtx: BatchContext,
  stats: UseCaseStats,
  ctx: LoopContext,
): Promise<number | undefined> {
  const run = (part: readonly Item<R>[]) =>
    uc.processBatch(
      part.map((i) => i.value),
      batchCtx,
    );
  for (let attempt = 1; ; attempt++) {
    let error: unknown;
    try {
      await run(items);
      stats.lastError = undefined;
      return items.length;
    } catch (err) {
      error = err;
      noteFailure('processBatch', err, attempt, stats, ctx);
    }
    if (ctx.signal.aborted) return undefined;
    const permanent = error instanceof RecordRejectedError;
    if (permanent || (attempt >= ctx.attemptsBeforeBisect && items.length > 1)) {
      const found = await isolateFailures(items, run, ctx.signal);
      if (ctx.signal.aborted) return undefined;
      const poison = found.failed.filter(
        (f) => found.succeeded > 0 || f.error instanceof RecordRejectedError,
      );
      if (poison.length === found.failed.length) {
        const ok = await deadLetter(
          poison.map((f) => ({
            raw: f.item.raw,
            decoded: f.item.value,
            reason: messageOf(f.error),
          })),
          stats,
          ctx,
        );
        if (!ok) return undefined;
        stats.lastError = undefined;
        return found.succeeded;
      }
      // Nothing succeeded on its own: a systemic failure, not bad records. Retry all.
    }
    await sleep(backoffDelay(attempt, ctx.retry), ctx.signal);
    if (ctx.signal.aborted) return undefined;
  }
}

/** A decoded shopping record that fails validation; `message` lists the fields at fault. */
class InvalidRecordError extends Error {
  override name = 'InvalidRecordError';
  constructor(
    readonly record: unknown,
    errors: readonly string[],
  ) {
    super(`invalid record: ${errors.join('; ')}`);
  }
}

/** Decodes a shopping record and validates it; throws CodecError or InvalidRecordError. */
function validShoppingRecord(data: Uint8Array, policy: ValidationPolicy) {
  const decoded = decodeRecord(data);
  const v = validateRecord(decoded, policy);
  if (!v.ok) throw new InvalidRecordError(decoded, v.errors);
  return v.record;
}

/**
 * Reads, processes and commits batches until the runner stops (resolves undefined) or
 * something throws outside the record-level handling (resolves the error). Closes the
 * consumer either way.
 */
async function runLoop<R>(
  uc: UseCase<R>,
  consumer: Consumer,
  stats: UseCaseStats,
  ctx: LoopContext,
): Promise<{ error: unknown } | undefined> {
  const decode = uc.decode
    ? (d: Uint8Array) => uc.decode!(d)
    : (d: Uint8Array) => validShoppingRecord(d, ctx.validation) as R;
  try {
    while (!ctx.signal.aborted) {
      let batch: Batch | undefined;
      const read = await retrying(
        'read',
        async () => {
          batch = await consumer.read(ctx.signal);
        },
        stats,
        ctx,
      );
      // Not processed yet: leave it uncommitted, it is delivered again after a restart.
      if (!read || !batch || ctx.signal.aborted) break;
      if (batch.records.length === 0) continue;
      const items: Item<R>[] = [];
      const undecodable: { raw: StreamRecord; decoded: unknown; reason: string }[] = [];
      for (const raw of batch.records) {
        try {
          items.push({ raw, value: decode(raw.data) });
        } catch (err) {
          if (err instanceof InvalidRecordError) {
            undecodable.push({ raw, decoded: err.record, reason: err.message });
            continue;
          }
          stats.decodeErrors++;
          undecodable.push({
            raw,
            decoded: undefined,
            reason: `cannot decode: ${messageOf(err)}`,
          });
        }
      }
      if (!(await deadLetter(undecodable, stats, ctx))) break;
      const current = batch;
      let applied = 0;
      if (items.length > 0) {
        const batchCtx: BatchContext = {
          group: stats.group,
          lastSeq: current.lastSeq,
          publish: async (name, records) => {
            if (records.length === 0) return;
            await (await ctx.pool.get(name)).append(records);
          },
        };
        const n = await processAll(uc, items, batchCtx, stats, ctx);
        if (n === undefined) break;
        applied = n;
      }
      // Once processed, a batch is committed even while stopping (that is the drain).
      let fenced: FencedError | undefined;
      const committed = await retrying(
        'commit',
        async () => {
          try {
            await consumer.commit(current);
          } catch (err) {
            if (!(err instanceof FencedError)) throw err;
            fenced = err;
          }
        },
        stats,
        ctx,
      );
      if (!committed) break;
      if (fenced) {
        // Another process holds these shards now: it delivers the batch again from the
        // checkpoint (sinks are idempotent), so it is not ours to count or to retry.
        ctx.logger.warn('commit fenced: the shards moved to another process', {
          shards: fenced.shards.join(','),
          records: applied,
        });
        consumer.reset();
        continue;
      }
      stats.batches++;
      stats.records += applied;
      stats.lastCommitAt = Date.now();
      ctx.metrics?.batches.inc({ use_case: stats.name });
      ctx.metrics?.records.inc({ use_case: stats.name }, applied);
      ctx.logger.debug('batch committed', { records: applied });
    }
    return undefined;
  } catch (error) {
    stats.lastError = `loop crashed: ${messageOf(error)}`;
    return { error };
  } finally {
    await consumer
      .close()
      .catch((err: Error) => ctx.logger.warn('consumer close failed', { error: err.message }));
  }
}
