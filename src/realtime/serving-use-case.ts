import { setImmediate as turn } from 'node:timers/promises';
import { z } from 'zod';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { validateRecord } from '../model/validate.js';
import {
  DEFAULT_VALIDATION_POLICY,
  samePolicy,
  type ValidationPolicy,
} from '../model/validation-policy.js';
import type { Logger } from '../ops/logger.js';
import { TimeSlice } from '../ops/time-slice.js';
import { type Cache, scopesOfChange } from '../serving/cache/cache.js';
import {
  DEFAULT_FARE_RETENTION_MS,
  DEFAULT_SEARCH_RETENTION_MS,
  type PruneOptions,
  type RowStore,
} from '../serving/row-store.js';
import { RecordRejectedError } from './errors.js';
import type { UseCase } from './use-case.js';

/**
 * Records applied in one row-store transaction. A catch-up batch (2000 searches, some 30k
 * fares) in one transaction held PGlite, and every API read behind it, for seconds; in
 * parts of this size the reads run between them. Each part is idempotent, as the batch is.
 */
export const APPLY_RECORDS = 250;

/** Default interval between row store housekeeping runs (RowStore.prune). */
export const DEFAULT_PRUNE_EVERY_MS = 10 * 60_000;

/** Settings of the serving use case (`realtime.useCases.serving`). */
export const servingConfigSchema = z.strictObject({
  /** Minutes between row store housekeeping runs (departed and superseded fares, old search ids). */
  pruneEveryMinutes: z
    .number()
    .positive()
    .default(DEFAULT_PRUNE_EVERY_MS / 60_000),
  /** Hours a kept fare stays without being seen again (then superseded and pruned). */
  fareRetentionHours: z
    .number()
    .positive()
    .default(DEFAULT_FARE_RETENTION_MS / 3_600_000),
  /** Hours a counted search id is remembered against double counting (at least the stream's retention). */
  searchRetentionHours: z
    .number()
    .positive()
    .default(DEFAULT_SEARCH_RETENTION_MS / 3_600_000),
});

export type ServingConfig = z.output<typeof servingConfigSchema>;

export interface ServingUseCaseOptions {
  rowStore: RowStore;
  logger: Logger;
  /**
   * The API's cache: after each batch the scopes of the markets it changed are bumped,
   * so every API process sharing the cache stops serving the old answers. None = no cache.
   */
  cache?: Pick<Cache, 'bump'>;
  /** Minimum time between prune runs [DEFAULT_PRUNE_EVERY_MS]; the first batch runs one. */
  pruneEveryMs?: number;
  /** Retention of the prune runs (RowStore.prune's defaults when absent). */
  retention?: Omit<PruneOptions, 'now'>;
  /** Clock, for tests. */
  now?: () => number;
  /** Rules a record must pass before it is written [DEFAULT_VALIDATION_POLICY]. */
  validation?: ValidationPolicy;
}

/**
 * Refuses, before any write, records that validation refuses (the runner dead-letters
 * them at once): what reaches the row store is what ingest would have accepted. Skipped
 * for a batch the runner validated with the same rules (BatchContext.validated).
 */
async function refuseInvalid(
  records: readonly ShoppingRecord[],
  policy: ValidationPolicy,
): Promise<void> {
  const reasons: string[] = [];
  // Sliced, as the consumer loop decodes: a catch-up batch is thousands of records.
  const slice = new TimeSlice();
  for (const r of records) {
    if (slice.due()) await slice.pause();
    const v = validateRecord(r, policy);
    if (!v.ok) reasons.push(`${JSON.stringify(r.id)}: ${v.errors.join('; ')}`);
  }
  if (reasons.length > 0)
    throw new RecordRejectedError(`invalid record(s) for the row store: ${reasons.join(' | ')}`);
}

/**
 * True for a database error caused by the data written, not by the database: SQLSTATE
 * class 22 (data exception, e.g. `invalid byte sequence for encoding "UTF8": 0x00`) or
 * 23 (integrity constraint). Retrying cannot help; bisecting finds the record.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/**
 * The default real-time use case `serving`: refuses invalid records up front and data
 * the database refuses as RecordRejectedError (dead-lettered without retries), applies
 * each batch to the row store
 * (cheapest fares with their leg times, market counts: idempotently; the daily price
 * summary and the route graph are views over them), invalidates the cache of the markets
 * it changed, and now and then prunes. A prune or invalidation failure is logged, not
 * thrown: the batch itself is durable. Scopes whose invalidation failed are retried with
 * the next batch (a replay would not report them changed again); until then the cache
 * TTL bounds how stale an answer can be.
 */
export function createServingUseCase(opts: ServingUseCaseOptions): UseCase {
  const every = opts.pruneEveryMs ?? DEFAULT_PRUNE_EVERY_MS;
  const now = opts.now ?? Date.now;
  let lastPrune = Number.NEGATIVE_INFINITY;
  const pending = new Set<string>();
  return {
    name: 'serving',
    configSchema: servingConfigSchema,
    async processBatch(records, ctx) {
      const policy = opts.validation ?? DEFAULT_VALIDATION_POLICY;
      // the runner validated them with these rules as it decoded them: not twice
      if (!(ctx.validated && samePolicy(ctx.validated, policy)))
        await refuseInvalid(records, policy);
      const r = { newSearches: 0, faresChanged: 0, changedMarkets: [] as string[] };
      for (let i = 0; i < records.length; i += APPLY_RECORDS) {
        // the event loop turns between transactions: reads waiting on the row store run
        if (i > 0) await turn();
        try {
          const part = await opts.rowStore.applyRecords(records.slice(i, i + APPLY_RECORDS));
          r.newSearches += part.newSearches;
          r.faresChanged += part.faresChanged;
          r.changedMarkets.push(...part.changedMarkets);
        } catch (err) {
          if (isDataError(err))
            throw new RecordRejectedError(`row store refused the data: ${(err as Error).message}`, {
              cause: err,
            });
          throw err;
        }
      }
      opts.logger.debug('applied', {
        records: records.length,
        newSearches: r.newSearches,
        faresChanged: r.faresChanged,
      });
      if (opts.cache) {
        for (const s of scopesOfChange(r.changedMarkets)) pending.add(s);
        if (pending.size > 0) {
          const scopes = [...pending];
          try {
            await opts.cache.bump(scopes);
            for (const s of scopes) pending.delete(s);
          } catch (err) {
            opts.logger.warn('cache invalidation failed; retried with the next batch', {
              scopes: scopes.length,
              error: (err as Error).message,
            });
          }
        }
      }
      if (now() - lastPrune < every) return;
      lastPrune = now();
      try {
        const p = await opts.rowStore.prune({ ...opts.retention, now: lastPrune });
        if (p.searchIds + p.departedFares + p.staleFares > 0)
          opts.logger.info('row store pruned', { ...p });
      } catch (err) {
        opts.logger.warn('row store prune failed', { error: (err as Error).message });
      }
    },
  };
}
