/**
 * The micro-batch runner: each use case reads its own consumer group `rt-<name>` on its
 * source stream (default the shopping stream) on the shared consumer loop
 * (stream/consumer/consumer-loop.ts), which decodes each batch, hands it to
 * `processBatch`, and commits only after that resolves. Reads and commits are retried with
 * capped exponential backoff; a failing batch is retried, then bisected so that records
 * that keep failing go to the dead-letter stream (stage `realtime:<name>`) and the rest
 * moves on (see UseCase for the rules). Records that cannot be decoded are dead-lettered
 * too, and so are shopping records that fail validation (a record on the stream from
 * before the rules were tightened, or written past ingest): at once, with the fields at
 * fault, before any use case sees them, so they cost no retries. The use cases reading a
 * stream with the default decoder share one decoding of each record (SharedDecodes).
 * Never a hot loop, never a commit of an unprocessed batch. A loop that throws outside
 * that handling (a bug, a stream handing out garbage) is logged, backed off and restarted
 * on a fresh consumer, so it resumes from its last committed checkpoint while the other
 * use cases keep going.
 */
import type { Registry } from 'prom-client';
import { decodeRecord } from '../model/codec.js';
import { deadLetterOf, encodeDeadLetter } from '../model/dead-letter.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { validateRecord } from '../model/validate.js';
import { DEFAULT_VALIDATION_POLICY, type ValidationPolicy } from '../model/validation-policy.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../ops/backoff.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import {
  type ConsumerSink,
  InvalidRecordError,
  type LoopStats,
  type Rejected,
  runConsumerLoop,
} from '../stream/consumer/consumer-loop.js';
import { newLoopStats } from '../stream/consumer/consumer-sink.js';
import type { AppendRecord, BatchPolicy, Consumer, ShardLag, Stream } from '../stream/stream.js';
import { RecordRejectedError } from './errors.js';
import { registerRealtimeMetrics } from './realtime-metrics.js';
import { type SharedDecode, SharedDecodes } from './shared-decodes.js';
import { StreamPool } from './stream-pool.js';
import type { UseCase } from './use-case.js';

/** Default failed attempts of a whole batch before it is bisected. */
export const DEFAULT_ATTEMPTS_BEFORE_BISECT = 3;

/** A use case's loop counters (LoopStats), with its name and the stream it reads. */
export interface UseCaseStats extends LoopStats {
  name: string;
  /** Stream the use case reads. */
  source: string;
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
    source: sources[i]!.name,
    ...newLoopStats(groupOf(uc)),
  }));
  const lagOf = async () => {
    const out: { useCase: string; lag: ShardLag[] }[] = [];
    for (let i = 0; i < stats.length; i++)
      out.push({ useCase: stats[i]!.name, lag: await sources[i]!.lag(stats[i]!.group) });
    return out;
  };
  const metrics = opts.registry ? registerRealtimeMetrics(opts.registry, lagOf) : undefined;
  const validation = opts.validation ?? DEFAULT_VALIDATION_POLICY;
  // one decoding of each shopping record for all the use cases that read it, their
  // readers added before any of them reads
  const decodesOf = new Map<string, SharedDecodes<ShoppingRecord>>();
  const shared = opts.useCases.map((uc, i) => {
    if (uc.decode) return undefined;
    const source = stats[i]!.source;
    const decodes = decodesOf.get(source) ?? new SharedDecodes<ShoppingRecord>();
    decodesOf.set(source, decodes);
    return decodes.reader();
  });
  const loops = opts.useCases.map((uc, i) => {
    const st = stats[i]!;
    const source = sources[i]!;
    const policy = uc.policy ?? opts.policy;
    const label = { use_case: st.name };
    return runConsumerLoop({
      sink: useCaseSink(uc, st, pool, opts.deadLetters, validation, shared[i], (n, result) =>
        metrics?.decodes.inc({ ...label, result }, n),
      ),
      openConsumer: () => openConsumer(source, st.group, policy),
      first: consumers[i]!,
      stats: st,
      signal: abort.signal,
      retry,
      attemptsBeforeBisect: opts.attemptsBeforeBisect ?? DEFAULT_ATTEMPTS_BEFORE_BISECT,
      logger: opts.logger.child(`realtime:${uc.name}`),
      hooks: metrics
        ? {
            failure: () => metrics.failures.inc(label),
            restart: () => metrics.restarts.inc(label),
            deadLettered: (n) => metrics.deadLetters.inc(label, n),
            committed: (n) => {
              metrics.batches.inc(label);
              metrics.records.inc(label, n);
            },
          }
        : undefined,
    });
  });
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
        const closed = await Promise.allSettled(opts.useCases.map((uc) => uc.close?.()));
        for (const [i, c] of closed.entries())
          if (c.status === 'rejected')
            opts.logger.warn('use case did not close', {
              useCase: opts.useCases[i]!.name,
              error: (c.reason as Error).message,
            });
        await pool.close();
        opts.logger.info('realtime stopped');
      })();
      return stopping;
    },
  };
}

/**
 * The sink of one use case on the shared consumer loop: shopping records are decoded and
 * validated (a use case may bring its own `decode`), dead letters go to the dead-letter
 * stream with stage `realtime:<name>`, and a RecordRejectedError is permanent.
 */
function useCaseSink<R>(
  uc: UseCase<R>,
  stats: UseCaseStats,
  pool: StreamPool,
  deadLetters: Stream | undefined,
  validation: ValidationPolicy,
  shared: SharedDecode<ShoppingRecord> | undefined,
  counted: (records: number, result: 'shared' | 'decoded') => void,
): ConsumerSink<R> {
  const stage = `realtime:${stats.name}`;
  // how the shopping records were decoded, counted into the metric once per batch
  let sharedCount = 0;
  let decodedCount = 0;
  const decodeShopping = (d: Uint8Array) => {
    const v = validShoppingRecord(d, validation);
    decodedCount++;
    return v;
  };
  return {
    decode: uc.decode
      ? (d) => uc.decode!(d)
      : (d, raw) => {
          if (!shared) return decodeShopping(d) as R;
          const before = decodedCount;
          const v = shared(raw, decodeShopping);
          if (decodedCount === before) sharedCount++;
          return v as R;
        },
    process: (values, batch) => {
      if (sharedCount > 0) counted(sharedCount, 'shared');
      if (decodedCount > 0) counted(decodedCount, 'decoded');
      sharedCount = 0;
      decodedCount = 0;
      return uc.processBatch(values, {
        group: stats.group,
        lastSeq: batch.lastSeq,
        ...(uc.decode ? {} : { validated: validation }),
        publish: async (name, records) => {
          if (records.length === 0) return;
          await (await pool.get(name)).append(records);
        },
      });
    },
    isPermanent: (err) => err instanceof RecordRejectedError,
    ...(deadLetters
      ? {
          deadLetter: async (entries: readonly Rejected[]) => {
            await deadLetters.append(entries.map((e) => deadLetterRecord(e, stats.group, stage)));
          },
        }
      : {}),
  };
}

/**
 * The dead-letter stream entry of a rejected record (id `<group>:<shard>:<seq>`: a replay
 * adds nothing). A use case that takes records as their bytes (a `decode` that keeps them,
 * as the deals on their thread do) rejects bytes: they are written decoded when they
 * decode, else as they are.
 */
function deadLetterRecord(rejected: Rejected, group: string, stage: string): AppendRecord {
  const e = rejected.decoded instanceof Uint8Array ? asDecoded(rejected) : rejected;
  const vendor =
    typeof (e.decoded as { vendor?: unknown } | undefined)?.vendor === 'string'
      ? (e.decoded as { vendor: string }).vendor
      : 'unknown';
  const body =
    e.decoded === undefined ? Buffer.from(e.raw.data) : Buffer.from(JSON.stringify(e.decoded));
  const id = `${group}:${e.raw.shard}:${e.raw.seq}`;
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
}

/** A rejected record held as its bytes, with them decoded when they decode. */
function asDecoded(e: Rejected): Rejected {
  try {
    return { ...e, decoded: decodeRecord(e.decoded as Uint8Array) };
  } catch {
    return { ...e, decoded: undefined };
  }
}

/** Decodes a shopping record and validates it; throws CodecError or InvalidRecordError. */
function validShoppingRecord(data: Uint8Array, policy: ValidationPolicy) {
  const decoded = decodeRecord(data);
  const v = validateRecord(decoded, policy);
  if (!v.ok) throw new InvalidRecordError(decoded, v.errors);
  return v.record;
}
