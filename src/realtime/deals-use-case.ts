import {
  DealsModel,
  type DealsModelApi,
  type DealsModelWarning,
  packRecords,
} from '../analytics/deals/deals-model.js';
import type { Deal, DealsStore } from '../analytics/deals/deals-store.js';
import { dayDate } from '../analytics/deals/fare-of-offer.js';
import {
  DEFAULT_WINDOW_DAYS,
  type SegmentSketchesOptions,
} from '../analytics/deals/segment-sketches.js';
import type { WarmStart } from '../analytics/deals/warm-start-from-lake.js';
import { recordKey, type ShoppingRecord } from '../model/shopping-record.js';
import type { Logger } from '../ops/logger.js';
import type { AppendRecord } from '../stream/stream.js';
import { RecordRejectedError } from './errors.js';
import type { BatchContext, UseCase } from './use-case.js';

/** Default interval between deals/sketch pruning runs. */
export const DEFAULT_DEALS_PRUNE_EVERY_MS = 10 * 60_000;

export interface DealsUseCaseOptions {
  store: DealsStore;
  logger: Logger;
  sketches?: SegmentSketchesOptions;
  /** Stream the deals are published to (via BatchContext.publish); none = not published. */
  publishTo?: string;
  /** Builds the sketches from history when the checkpoint is empty (see warmStartFromLake). */
  warmStart?: () => Promise<WarmStart>;
  /** Minimum time between prune runs [10 min]. */
  pruneEveryMs?: number;
  /** How long a deal is kept, by its shoppedAt [the sketches' window]. */
  dealRetentionMs?: number;
  /**
   * Opens the model that holds the sketches, on the first batch [a DealsModel in
   * process, with `sketches`]; with `realtime.useCases.deals.thread` it is on a thread
   * of its own (startDealsModelThread). Its `close` is called by the use case's.
   */
  openModel?: () => Promise<DealsModelApi>;
  /**
   * Records reach the use case as their stream bytes, and the model decodes and
   * validates them (on its thread, with the rules it was given), instead of the runner
   * on the main thread: a batch's bytes are copied to the thread whole (see
   * PackedRecords). A batch with a record that cannot be used is rejected before
   * anything is counted (RecordRejectedError: the runner bisects it to dead-letter that
   * record) [false].
   */
  decodeOnModel?: boolean;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * The real-time use case `deals`: labels every offer of each record against its segment
 * (SegmentSketches over the trailing window, excluding the offer itself), writes the
 * great and good ones to the `deals` table (upsert by search id and offer index) and
 * optionally publishes them, then adds the offers to the day sketches.
 *
 * Exactly-once sketches: the finest-level and market-level day sketches a batch touched
 * are saved with the batch's stream positions in the same transaction as its deals. A batch whose
 * positions are all at or below the saved ones was already counted and only re-labels
 * (so a replay is not counted twice). After a failed save the in-memory sketches are
 * reloaded from the checkpoint before the retry. Limitation: a redelivered batch that
 * only partly overlaps the saved positions is counted again for its overlapping records
 * (the BatchContext has no per-record positions).
 *
 * A bounded checkpoint: the finest segments `trim` drops from memory have their stored
 * days deleted in the next batch's transaction, so the table holds about what memory
 * holds. Their fares stay counted across restarts in the stored market days (market,
 * cabin and currency levels); after a restart, the lead-time and trip levels count the
 * finest segments still stored.
 *
 * The sketches live in a DealsModel (analytics/deals/deals-model.ts), in process or on
 * a thread of its own; after any failure past the checkpoint's load the model is
 * reloaded from the checkpoint before the retry (it may hold counts the checkpoint does
 * not, or be a new thread that holds none).
 */
export function createDealsUseCase(
  opts: DealsUseCaseOptions,
): UseCase<ShoppingRecord | Uint8Array> {
  const now = opts.now ?? Date.now;
  const windowDays = opts.sketches?.windowDays ?? DEFAULT_WINDOW_DAYS;
  const pruneEvery = opts.pruneEveryMs ?? DEFAULT_DEALS_PRUNE_EVERY_MS;
  const openModel = opts.openModel ?? (async () => new DealsModel(opts.sketches));
  let model: DealsModelApi | undefined;
  let positions = new Map<number, number>();
  let ready = false;
  let lastPrune = Number.NEGATIVE_INFINITY;

  const warn = (warnings: readonly DealsModelWarning[]) => {
    for (const w of warnings) opts.logger.warn(w.message, w.fields);
  };

  let trimSaid = false;
  /**
   * Says when trim dropped segments: at info the first time after a start or a reload,
   * at debug after it (a model at its cap trims after every batch: in `up --demo` that was
   * a line every 45 s).
   */
  const trimmed = (t: { trimmed: number; segments: number }) => {
    if (t.trimmed === 0) return;
    const fields = { dropped: t.trimmed, segments: t.segments };
    if (trimSaid) return opts.logger.debug('deals segments trimmed to maxSegments', fields);
    trimSaid = true;
    opts.logger.info(
      'deals segments trimmed to maxSegments (from now on at debug, after every batch that trims)',
      fields,
    );
  };

  const init = async (): Promise<DealsModelApi> => {
    await opts.store.migrate();
    model ??= await openModel();
    const m = model;
    await m.reset();
    trimSaid = false;
    const fromDay = dayDate(Math.floor(now() / 86_400_000) - windowDays - 1);
    const cp = await opts.store.loadCheckpoint(fromDay);
    positions = cp.positions;
    let r = await m.restore(cp.sketches);
    warn(r.warnings);
    if (cp.sketches.length === 0 && cp.positions.size === 0 && opts.warmStart) {
      const ws = await opts.warmStart();
      r = await m.restore(ws.sketches);
      warn(r.warnings);
      await opts.store.saveBatch([], [...ws.sketches, ...r.unstored], ws.positions);
      positions = new Map(ws.positions);
      opts.logger.info('deals warm-started from the lake', {
        sketches: r.restored,
        segments: r.segments,
      });
    } else {
      // before trim can drop a finest segment whose days are all its market counts
      if (r.unstored.length > 0) await opts.store.saveBatch([], r.unstored, new Map());
      opts.logger.info('deals sketches restored', {
        sketches: r.restored,
        segments: r.segments,
        ...(r.unstored.length > 0 ? { marketDaysStored: r.unstored.length } : {}),
      });
    }
    trimmed(await m.trim());
    ready = true;
    return m;
  };

  return {
    name: 'deals',
    async close(): Promise<void> {
      const m = model;
      model = undefined;
      ready = false;
      await m?.close();
    },
    ...(opts.decodeOnModel ? { decode: (data: Uint8Array) => data } : {}),
    async processBatch(
      records: readonly (ShoppingRecord | Uint8Array)[],
      ctx: BatchContext,
    ): Promise<void> {
      const m = ready && model ? model : await init();
      let counted = true;
      for (const [shard, seq] of ctx.lastSeq)
        if ((positions.get(shard) ?? -1) < seq) counted = false;
      if (ctx.lastSeq.size === 0) counted = false;
      const next = new Map(positions);
      for (const [shard, seq] of ctx.lastSeq) next.set(shard, Math.max(next.get(shard) ?? -1, seq));
      let deals: Deal[];
      try {
        const labelled = await m.label(
          opts.decodeOnModel
            ? packRecords(records as readonly Uint8Array[])
            : (records as readonly ShoppingRecord[]),
          !counted,
        );
        const bad = labelled.rejected[0];
        if (bad)
          throw new RecordRejectedError(
            `${labelled.rejected.length} of ${records.length} records cannot be used; record ${bad.index}: ${bad.reason}`,
          );
        deals = labelled.deals;
        const revived =
          labelled.fresh.length > 0 ? await opts.store.sketchesOf(labelled.fresh) : [];
        const { saved, gone, warnings } = await m.batchRows(revived);
        warn(warnings);
        await opts.store.saveBatch(deals, saved, next, gone);
      } catch (err) {
        // memory may hold counts the checkpoint does not (or a new thread none): reload
        // before the retry (a rejected batch was not counted)
        if (!(err instanceof RecordRejectedError)) ready = false;
        throw err;
      }
      positions = next;
      try {
        trimmed(await m.committed());
      } catch (err) {
        ready = false;
        throw err;
      }
      if (opts.publishTo && deals.length > 0) {
        const enc = new TextEncoder();
        const out: AppendRecord[] = deals.map((d) => ({
          key: `${d.origin}-${d.destination}`,
          // a deal is identified by its search's identity, (vendor, id), and the offer
          id: `deal:${recordKey({ vendor: d.vendor, id: d.searchId })}:${d.offerIndex}`,
          data: enc.encode(JSON.stringify(d)),
        }));
        await ctx.publish(opts.publishTo, out);
      }
      const t = now();
      if (t - lastPrune >= pruneEvery) {
        lastPrune = t;
        try {
          await opts.store.prune(
            new Date(t - (opts.dealRetentionMs ?? windowDays * 86_400_000)),
            dayDate(Math.floor(t / 86_400_000) - windowDays),
          );
        } catch (err) {
          opts.logger.warn('deals prune failed', { error: (err as Error).message });
        }
      }
      opts.logger.debug('deals batch', {
        records: records.length,
        deals: deals.length,
        counted: !counted,
      });
    },
  };
}
