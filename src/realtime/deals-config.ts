import { z } from 'zod';
import { startDealsModelThread } from '../analytics/deals/deals-model-thread.js';
import { DealsStore } from '../analytics/deals/deals-store.js';
import {
  DEFAULT_MAX_SEGMENTS,
  DEFAULT_MIN_FARES,
  DEFAULT_REFRESH_EVERY,
  DEFAULT_RELATIVE_ACCURACY,
  DEFAULT_WINDOW_DAYS,
  type SegmentSketchesOptions,
} from '../analytics/deals/segment-sketches.js';
import { warmStartFromLake } from '../analytics/deals/warm-start-from-lake.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import type { ValidationPolicy } from '../model/validation-policy.js';
import type { Logger } from '../ops/logger.js';
import { logWorkerEvents } from '../ops/restarting-worker.js';
import type { LakeQuery } from '../query/lake-query.js';
import type { SqlClient } from '../sql/sql-client.js';
import { createDealsUseCase, DEFAULT_DEALS_PRUNE_EVERY_MS } from './deals-use-case.js';
import type { UseCase } from './use-case.js';

/** Settings of the deals use case (`realtime.useCases.deals` in the config). */
export const dealsConfigSchema = z
  .strictObject({
    /** Trailing days of fares a fare is compared with. */
    windowDays: z.number().int().min(1).max(366).default(DEFAULT_WINDOW_DAYS),
    /** Fares a segment needs before it is used instead of a coarser one. */
    minFares: z.number().int().min(1).default(DEFAULT_MIN_FARES),
    /** Percentile cut-offs: great below `great`, good below `good`, high above `high`. */
    percentiles: z
      .strictObject({
        great: z.number().gt(0).lt(1).default(0.1),
        good: z.number().gt(0).lt(1).default(0.25),
        high: z.number().gt(0).lt(1).default(0.75),
      })
      .prefault({})
      .refine((p) => p.great < p.good && p.good < p.high, 'must satisfy great < good < high'),
    /** DDSketch relative accuracy. */
    relativeAccuracy: z.number().gt(0).lt(0.5).default(DEFAULT_RELATIVE_ACCURACY),
    /** New fares after which a segment's cached window is rebuilt. */
    refreshEvery: z.number().int().min(1).default(DEFAULT_REFRESH_EVERY),
    /**
     * Segments held in memory (all levels, about 850 bytes each); above it the least
     * recently added fine segments are dropped, those with too few fares to be used first.
     */
    maxSegments: z.number().int().min(1000).default(DEFAULT_MAX_SEGMENTS),
    /** Stream the deals are published to; '' = not published. */
    publishTo: z.string().default('deals'),
    /** Warm-start the sketches from the lake when the checkpoint is empty. */
    warmStart: z.boolean().default(true),
    pruneEveryMinutes: z
      .number()
      .positive()
      .default(DEFAULT_DEALS_PRUNE_EVERY_MS / 60_000),
    /** Hours a deal is kept (by when it was shopped); default the window, windowDays. */
    dealRetentionHours: z.number().positive().optional(),
    /**
     * Keep the sketches on a worker thread of their own, which also decodes the records:
     * less work on the thread that serves the API. On 2 cores the API's p99 while the
     * demo's history loads did not move, and the largest RSS rose from 921-960 to
     * 1,090-1,115 MB (docs/benchmarks.md): for machines with cores to spare.
     */
    thread: z.boolean().default(false),
  })
  .prefault({});

export type DealsConfig = z.output<typeof dealsConfigSchema>;

/** Sketch options of a parsed deals config. */
export function sketchOptions(c: DealsConfig): SegmentSketchesOptions {
  return {
    windowDays: c.windowDays,
    minFares: c.minFares,
    percentiles: c.percentiles,
    relativeAccuracy: c.relativeAccuracy,
    refreshEvery: c.refreshEvery,
    maxSegments: c.maxSegments,
  };
}

/**
 * The deals use case as the realtime runner builds it: its tables on the row store's
 * client, warm start from the lake `openLake` opens (when enabled and given; the
 * composition root chooses the engine), settings `c`.
 */
export function dealsUseCaseFromConfig(deps: {
  client: SqlClient;
  logger: Logger;
  config: DealsConfig;
  /** Opens SQL over the lake for the warm start; the use case closes what it opened. */
  openLake?: () => Promise<LakeQuery>;
  /** The rules records must pass on the thread (`thread` in the config; in process the runner applies its own). */
  validation?: ValidationPolicy;
}): UseCase<ShoppingRecord | Uint8Array> {
  const c = deps.config;
  const opts = sketchOptions(c);
  const openLake = deps.openLake;
  const useCase = createDealsUseCase({
    store: new DealsStore(deps.client),
    logger: deps.logger,
    sketches: opts,
    ...(c.thread
      ? {
          decodeOnModel: true,
          openModel: () =>
            startDealsModelThread(opts, deps.validation, {
              onEvent: logWorkerEvents(deps.logger, 'the deals thread'),
            }),
        }
      : {}),
    ...(c.publishTo ? { publishTo: c.publishTo } : {}),
    pruneEveryMs: c.pruneEveryMinutes * 60_000,
    ...(c.dealRetentionHours ? { dealRetentionMs: c.dealRetentionHours * 3_600_000 } : {}),
    ...(c.warmStart && openLake
      ? {
          warmStart: async () => {
            const lake = await openLake();
            try {
              return await warmStartFromLake(lake, opts);
            } finally {
              await lake.close();
            }
          },
        }
      : {}),
  });
  return { ...useCase, configSchema: dealsConfigSchema };
}
