/**
 * The micro-batch runner: each use case reads its own consumer group `rt-<name>`,
 * decodes each batch, hands it to `processBatch`, and commits only after that resolves.
 * Failures of reads, use cases and commits are retried with capped exponential backoff
 * (never a hot loop, never a commit of an unprocessed batch). Records that cannot be
 * decoded are logged and counted, and left out of the batch (a dead-letter table comes
 * with the dead-letter work).
 */
import { decodeRecord } from '../model/codec.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import type { Batch, BatchPolicy, Consumer, ShardLag, Stream } from '../stream/stream.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from './backoff.js';
import type { UseCase } from './use-case.js';

/** Counters of one use case since start. */
export interface UseCaseStats {
  name: string;
  group: string;
  /** Batches processed and committed. */
  batches: number;
  /** Records handed to processBatch in committed batches. */
  records: number;
  /** Records skipped because they could not be decoded. */
  decodeErrors: number;
  /** Failed attempts (read, process or commit) that were retried. */
  failures: number;
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
  stream: Stream;
  useCases: readonly UseCase[];
  /** Batch policy of use cases that do not set their own. */
  policy: BatchPolicy;
  logger: Logger;
  /** Retry delays; default DEFAULT_RETRY_POLICY. */
  retry?: RetryPolicy;
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
  const abort = new AbortController();
  const consumers: Consumer[] = [];
  try {
    for (const uc of opts.useCases)
      consumers.push(await opts.stream.consumer(groupOf(uc), uc.policy ?? opts.policy));
  } catch (err) {
    await Promise.allSettled(consumers.map((c) => c.close()));
    throw err;
  }
  const stats: UseCaseStats[] = opts.useCases.map((uc) => ({
    name: uc.name,
    group: groupOf(uc),
    batches: 0,
    records: 0,
    decodeErrors: 0,
    failures: 0,
    lastError: undefined,
    lastCommitAt: undefined,
  }));
  const loops = opts.useCases.map((uc, i) =>
    runLoop(uc, consumers[i]!, stats[i]!, {
      signal: abort.signal,
      retry,
      logger: opts.logger.child(`realtime:${uc.name}`),
    }),
  );
  opts.logger.info('realtime started', { useCases: opts.useCases.map((u) => u.name).join(',') });
  let stopping: Promise<void> | undefined;
  return {
    name: 'realtime',
    stats: () => stats.map((s) => ({ ...s })),
    async lag() {
      const out: ShardLag[] = [];
      for (const s of stats) out.push(...(await opts.stream.lag(s.group)));
      return out;
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        await Promise.all(loops);
        opts.logger.info('realtime stopped');
      })();
      return stopping;
    },
  };
}

interface LoopContext {
  signal: AbortSignal;
  retry: RetryPolicy;
  logger: Logger;
}

function decode(batch: Batch, stats: UseCaseStats, logger: Logger): ShoppingRecord[] {
  const out: ShoppingRecord[] = [];
  for (const r of batch.records) {
    try {
      out.push(decodeRecord(r.data));
    } catch (err) {
      stats.decodeErrors++;
      logger.warn('record skipped: cannot decode', {
        shard: r.shard,
        seq: r.seq,
        id: r.id,
        error: (err as Error).message,
      });
    }
  }
  return out;
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
      stats.failures++;
      stats.lastError = `${what}: ${(err as Error).message}`;
      const delayMs = backoffDelay(attempt, ctx.retry);
      ctx.logger.warn(`${what} failed, retrying`, {
        attempt,
        delayMs,
        error: (err as Error).message,
      });
      await sleep(delayMs, ctx.signal);
      if (ctx.signal.aborted) return false;
    }
  }
}

async function runLoop(
  uc: UseCase,
  consumer: Consumer,
  stats: UseCaseStats,
  ctx: LoopContext,
): Promise<void> {
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
      const records = decode(batch, stats, ctx.logger);
      const current = batch;
      if (records.length > 0) {
        const processed = await retrying(
          'processBatch',
          () => uc.processBatch(records, { group: stats.group, lastSeq: current.lastSeq }),
          stats,
          ctx,
        );
        if (!processed) break;
      }
      // Once processed, a batch is committed even while stopping (that is the drain).
      const committed = await retrying('commit', () => consumer.commit(current), stats, ctx);
      if (!committed) break;
      stats.batches++;
      stats.records += records.length;
      stats.lastCommitAt = Date.now();
      ctx.logger.debug('batch committed', { records: records.length });
    }
  } catch (err) {
    ctx.logger.error('use case loop crashed', { error: (err as Error).message });
  } finally {
    await consumer
      .close()
      .catch((err: Error) => ctx.logger.warn('consumer close failed', { error: err.message }));
  }
}
