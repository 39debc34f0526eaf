import type { DDSketch } from '@datadog/sketches-js';
import type { Deal, DealsStore, StoredSketch } from '../analytics/deals/deals-store.js';
import { dayDate, dayNumber, fareOfOffer } from '../analytics/deals/fare-of-offer.js';
import { levelKeysOf, SEGMENT_LEVELS, segmentKey } from '../analytics/deals/fare-segment.js';
import {
  DEFAULT_WINDOW_DAYS,
  explain,
  SegmentSketches,
  type SegmentSketchesOptions,
} from '../analytics/deals/segment-sketches.js';
import { decodeSketch, encodeSketch } from '../analytics/deals/sketch-codec.js';
import type { WarmStart } from '../analytics/deals/warm-start-from-lake.js';
import { recordKey, type ShoppingRecord } from '../model/shopping-record.js';
import type { Logger } from '../ops/logger.js';
import { TimeSlice } from '../ops/time-slice.js';
import type { AppendRecord } from '../stream/stream.js';
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
 */
export function createDealsUseCase(opts: DealsUseCaseOptions): UseCase {
  const now = opts.now ?? Date.now;
  const windowDays = opts.sketches?.windowDays ?? DEFAULT_WINDOW_DAYS;
  const pruneEvery = opts.pruneEveryMs ?? DEFAULT_DEALS_PRUNE_EVERY_MS;
  let sketches = new SegmentSketches(opts.sketches);
  let positions = new Map<number, number>();
  let ready = false;
  let lastPrune = Number.NEGATIVE_INFINITY;
  let maxDay = Number.NEGATIVE_INFINITY;
  /** Finest segments `trim` dropped since the last save: their stored days go in the next. */
  let dropped = new Set<string>();

  /**
   * Merges a stored day sketch into the segments `keys`. False, with a warning, when it
   * cannot be read or was made with another accuracy (such a sketch is skipped).
   */
  const mergeStored = (r: StoredSketch, keys: readonly string[]): boolean => {
    let sk: DDSketch;
    try {
      sk = decodeSketch(r.sketch);
    } catch (err) {
      opts.logger.warn('unreadable deal sketch skipped', {
        segment: r.segment,
        day: r.day,
        error: (err as Error).message,
      });
      return false;
    }
    try {
      for (const k of keys) sketches.mergeDay(k, dayNumber(r.day), sk);
      return true;
    } catch (err) {
      opts.logger.warn('deal sketch with another accuracy skipped', {
        segment: r.segment,
        error: (err as Error).message,
      });
      return false;
    }
  };

  /**
   * The stored day sketches of segments' days held in memory (those it still holds).
   * Sliced: a batch of the history saved thousands, 80-120 ms of the event loop.
   */
  const dayRows = async (
    days: Iterable<{ key: string; day: number }>,
    slice = new TimeSlice(),
  ): Promise<StoredSketch[]> => {
    const rows: StoredSketch[] = [];
    for (const { key, day } of days) {
      if (slice.due()) await slice.pause();
      const sk = sketches.daySketch(key, day);
      if (sk)
        rows.push({ segment: key, day: dayDate(day), sketch: encodeSketch(sk), fares: sk.count });
    }
    return rows;
  };

  /**
   * Merges stored day sketches into the levels they count in: a market day into market,
   * cabin and all; a finest day into full, lead and trip, and into the coarser three too
   * when its market has no stored day (a checkpoint of finest days only, from a warm
   * start or a version before market days were stored). Those market days are returned,
   * for the caller to store before any finest day is deleted.
   * Sliced (TimeSlice): a month of sketches took seconds to decode and merge, all of it
   * on the event loop of the serving process.
   */
  const restore = async (
    rows: readonly StoredSketch[],
  ): Promise<{ n: number; unstored: Map<string, { key: string; day: number }> }> => {
    const markets = new Set<string>();
    for (const r of rows)
      if (r.segment.startsWith('market|')) markets.add(`${r.segment}\u0000${r.day}`);
    const unstored = new Map<string, { key: string; day: number }>();
    let n = 0;
    const slice = new TimeSlice();
    for (const r of rows) {
      if (slice.due()) await slice.pause();
      let keys = levelKeysOf(r.segment);
      if (!keys) continue;
      const market = keys.length === SEGMENT_LEVELS.length ? (keys[3] as string) : undefined;
      const stored = market !== undefined && markets.has(`${market}\u0000${r.day}`);
      if (stored) keys = keys.slice(0, 3);
      if (!mergeStored(r, keys)) continue;
      const day = dayNumber(r.day);
      if (market !== undefined && !stored)
        unstored.set(`${market}\u0000${r.day}`, { key: market, day });
      maxDay = Math.max(maxDay, day);
      n++;
    }
    return { n, unstored };
  };

  /**
   * Merges the stored day sketches of `keys`, finest segments this batch started in
   * memory, into those segments only (their coarser levels count those fares already).
   * A segment `trim` dropped restarts from none when its fares come back; without this,
   * the batch's save would replace each of its stored days with the few fares since.
   * Every stored day, not only the window's: a replay of old searches saves old days.
   * Days out of the window are dropped again by the batch's `evict`.
   */
  const revive = async (keys: ReadonlySet<string>, slice: TimeSlice): Promise<void> => {
    if (keys.size === 0) return;
    for (const r of await opts.store.sketchesOf([...keys])) {
      if (slice.due()) await slice.pause();
      mergeStored(r, [r.segment]);
    }
  };

  /**
   * Holds the sketches to maxSegments (SegmentSketches.trim), saying when it dropped any,
   * and keeps the finest ones it dropped for the next save to delete.
   */
  const trim = (): void => {
    if (!Number.isFinite(maxDay)) return;
    const n = sketches.trim(maxDay, (key, level) => {
      if (level === 0) dropped.add(key);
    });
    if (n > 0)
      opts.logger.info('deals segments trimmed to maxSegments', {
        dropped: n,
        segments: sketches.size,
      });
  };

  const init = async (): Promise<void> => {
    await opts.store.migrate();
    sketches = new SegmentSketches(opts.sketches);
    maxDay = Number.NEGATIVE_INFINITY;
    dropped = new Set();
    const fromDay = dayDate(Math.floor(now() / 86_400_000) - windowDays - 1);
    const cp = await opts.store.loadCheckpoint(fromDay);
    positions = cp.positions;
    let { n, unstored } = await restore(cp.sketches);
    if (cp.sketches.length === 0 && cp.positions.size === 0 && opts.warmStart) {
      const ws = await opts.warmStart();
      ({ n, unstored } = await restore(ws.sketches));
      await opts.store.saveBatch(
        [],
        [...ws.sketches, ...(await dayRows(unstored.values()))],
        ws.positions,
      );
      positions = new Map(ws.positions);
      opts.logger.info('deals warm-started from the lake', {
        sketches: n,
        segments: sketches.size,
      });
    } else {
      // before trim can drop a finest segment whose days are all its market counts
      if (unstored.size > 0)
        await opts.store.saveBatch([], await dayRows(unstored.values()), new Map());
      opts.logger.info('deals sketches restored', {
        sketches: n,
        segments: sketches.size,
        ...(unstored.size > 0 ? { marketDaysStored: unstored.size } : {}),
      });
    }
    trim();
    ready = true;
  };

  return {
    name: 'deals',
    async processBatch(records: readonly ShoppingRecord[], ctx: BatchContext): Promise<void> {
      if (!ready) await init();
      let counted = true;
      for (const [shard, seq] of ctx.lastSeq)
        if ((positions.get(shard) ?? -1) < seq) counted = false;
      if (ctx.lastSeq.size === 0) counted = false;
      const deals: Deal[] = [];
      const touched = new Map<string, { key: string; day: number }>();
      /** Finest segments not held before this batch: new ones, or ones `trim` dropped. */
      const fresh = new Set<string>();
      // Sliced: a catch-up batch of 2000 searches took up to half a second here, all of it
      // on the event loop that serves the API in `up`.
      const slice = new TimeSlice();
      for (const r of records) {
        if (slice.due()) await slice.pause();
        const shopDay = dayNumber(r.shoppedAt);
        for (let i = 0; i < r.offers.length; i++) {
          const o = r.offers[i];
          if (!o) continue;
          const fare = fareOfOffer(r, o, shopDay);
          const c = sketches.classify(fare.features, fare.price, fare.day);
          if (c && (c.label === 'great' || c.label === 'good')) {
            deals.push({
              searchId: r.id,
              offerIndex: i,
              origin: r.origin,
              destination: r.destination,
              departureDate: r.departureDate,
              returnDate: r.returnDate ?? null,
              tripType: r.tripType,
              cabin: o.cabin,
              carrier: o.validatingCarrier,
              stops: o.legs.reduce((m, l) => Math.max(m, l.stops), 0),
              currency: o.currency,
              price: Math.round(fare.price * 100) / 100,
              typicalPrice: Math.round(c.typical * 100) / 100,
              savingsPct: Math.round(c.savingsPct * 10) / 10,
              label: c.label,
              segment: c.segment,
              fares: c.fares,
              explanation: explain(c.savingsPct, c.segment, c.fares),
              shoppedAt: r.shoppedAt,
              vendor: r.vendor,
            });
          }
          if (!counted) {
            const key = segmentKey(fare.features, 0);
            if (!sketches.holds(key)) fresh.add(key);
            sketches.add(fare.features, fare.price, fare.day);
            touched.set(`${key}\u0000${fare.day}`, { key, day: fare.day });
            const market = segmentKey(fare.features, 3);
            touched.set(`${market}\u0000${fare.day}`, { key: market, day: fare.day });
            if (fare.day > maxDay) maxDay = fare.day;
          }
        }
      }
      await revive(fresh, slice);
      const saved = await dayRows(touched.values(), slice);
      const next = new Map(positions);
      for (const [shard, seq] of ctx.lastSeq) next.set(shard, Math.max(next.get(shard) ?? -1, seq));
      // a dropped segment whose fares came back in this batch is held again: its days stay
      const gone = [...dropped].filter((k) => !sketches.holds(k));
      try {
        await opts.store.saveBatch(deals, saved, next, gone);
      } catch (err) {
        ready = false; // memory holds uncommitted counts: reload before the retry
        throw err;
      }
      positions = next;
      dropped.clear();
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
      if (Number.isFinite(maxDay)) {
        await sketches.evict(maxDay, slice);
        trim();
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
