import type { DDSketch } from '@datadog/sketches-js';
import { decodeRecord } from '../../model/codec.js';
import type { ShoppingRecord } from '../../model/shopping-record.js';
import { validateRecord } from '../../model/validate.js';
import { DEFAULT_VALIDATION_POLICY, type ValidationPolicy } from '../../model/validation-policy.js';
import { TimeSlice } from '../../ops/time-slice.js';
import type { Deal, StoredSketch } from './deals-store.js';
import { dayDate, dayNumber, fareOfOffer } from './fare-of-offer.js';
import { levelKeysOf, SEGMENT_LEVELS, segmentKey } from './fare-segment.js';
import { explain, SegmentSketches, type SegmentSketchesOptions } from './segment-sketches.js';
import { decodeSketch } from './sketch-codec.js';

/**
 * A batch's records as they are on the stream (the codec's bytes), one after another:
 * record i is `bytes` from `ends[i - 1]` (0 for the first) to `ends[i]`. One buffer,
 * copied to a thread in a few milliseconds: a structured clone of 2,000 decoded records
 * took 270-300 ms, all of it on the thread that sends and the thread that receives.
 */
export interface PackedRecords {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/** Packs records' stream bytes (see PackedRecords). */
export function packRecords(records: readonly Uint8Array[]): PackedRecords {
  const ends = new Uint32Array(records.length);
  let size = 0;
  for (let i = 0; i < records.length; i++) {
    size += (records[i] as Uint8Array).length;
    ends[i] = size;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const r of records) {
    bytes.set(r, at);
    at += r.length;
  }
  return { bytes, ends };
}

/** A record of a packed batch that cannot be used: not a record, or refused by its rules. */
export interface RejectedRecord {
  index: number;
  reason: string;
}

/** Something the model skipped, for its owner to log (the model may run on a thread without one). */
export interface DealsModelWarning {
  message: string;
  fields: Record<string, string | number>;
}

/** What a restore merged. */
export interface DealsRestored {
  /** Stored day sketches merged. */
  restored: number;
  /**
   * Market days counted only through finest days (a checkpoint of finest days only): to
   * be stored before any finest day is deleted.
   */
  unstored: StoredSketch[];
  /** Segments held after it. */
  segments: number;
  warnings: DealsModelWarning[];
}

/** What a batch's save writes besides its deals. */
export interface DealsBatchRows {
  /** The day sketches the batch added to (finest and market). */
  saved: StoredSketch[];
  /** Finest segments `trim` dropped and still not held: their stored days are deleted. */
  gone: string[];
  warnings: DealsModelWarning[];
}

/** The calls of a DealsModel, in process or on a thread (deals-model-thread.ts): all async. */
export type DealsModelApi = Pick<
  DealsModel,
  'reset' | 'restore' | 'label' | 'batchRows' | 'committed' | 'trim' | 'close'
>;

/**
 * The memory of the deals use case: its segment sketches, and what one batch does with
 * them, without the row store. The use case (realtime/deals-use-case.ts) keeps the
 * checkpoint and calls these in order for a batch: `label` (and count), the store's
 * stored days of the fresh segments into `batchRows`, its save, then `committed`. Every
 * argument and result can be cloned, so the model can live on a worker thread of its
 * own (deals-model-thread.ts, `realtime.useCases.deals.thread`), where its allocation
 * and its collections are off the thread that serves the API.
 *
 * Every call that walks many items pauses on a TimeSlice, for when it runs on the event
 * loop that serves requests.
 */
export class DealsModel {
  private sketches: SegmentSketches;
  private maxDay = Number.NEGATIVE_INFINITY;
  /** Finest segments `trim` dropped since the last save: their stored days go in the next. */
  private dropped = new Set<string>();
  /** The day sketches the current batch added to. */
  private touched = new Map<string, { key: string; day: number }>();

  /** `validation`: the rules records of a packed batch must pass (those the runner applies). */
  constructor(
    private readonly options: SegmentSketchesOptions = {},
    private readonly validation: ValidationPolicy = DEFAULT_VALIDATION_POLICY,
  ) {
    this.sketches = new SegmentSketches(options);
  }

  /** The factory an object thread calls. */
  static async create(
    options: SegmentSketchesOptions = {},
    validation: ValidationPolicy = DEFAULT_VALIDATION_POLICY,
  ): Promise<DealsModel> {
    return new DealsModel(options, validation);
  }

  /** Forgets every sketch: memory as a new model's, before a restore. */
  async reset(): Promise<void> {
    this.sketches = new SegmentSketches(this.options);
    this.maxDay = Number.NEGATIVE_INFINITY;
    this.dropped = new Set();
    this.touched = new Map();
  }

  /**
   * Merges stored day sketches into the levels they count in: a market day into market,
   * cabin and all; a finest day into full, lead and trip, and into the coarser three too
   * when its market has no stored day (a checkpoint of finest days only, from a warm
   * start or a version before market days were stored). Those market days are returned
   * (`unstored`), for the caller to store before any finest day is deleted.
   * Sliced (TimeSlice): a month of sketches took seconds to decode and merge, all of it
   * on the event loop of the serving process.
   */
  async restore(rows: readonly StoredSketch[]): Promise<DealsRestored> {
    const warnings: DealsModelWarning[] = [];
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
      if (!this.mergeStored(r, keys, warnings)) continue;
      const day = dayNumber(r.day);
      if (market !== undefined && !stored)
        unstored.set(`${market}\u0000${r.day}`, { key: market, day });
      this.maxDay = Math.max(this.maxDay, day);
      n++;
    }
    return {
      restored: n,
      unstored: await this.dayRows(unstored.values(), slice),
      segments: this.sketches.size,
      warnings,
    };
  }

  /**
   * Labels every offer of `records` against its segment (excluding the offer itself) and
   * returns the great and good ones; with `count`, then adds the offers to the day
   * sketches. `fresh`: the finest segments this batch started in memory (new ones, or
   * ones `trim` dropped), whose stored days the caller passes to `batchRows`.
   */
  async label(
    batch: readonly ShoppingRecord[] | PackedRecords,
    count: boolean,
  ): Promise<{ deals: Deal[]; fresh: string[]; rejected: RejectedRecord[] }> {
    const sketches = this.sketches;
    const deals: Deal[] = [];
    const fresh = new Set<string>();
    this.touched = new Map();
    // Sliced: a catch-up batch of 2000 searches took up to half a second here, all of it
    // on the event loop that serves the API in `up`.
    const slice = new TimeSlice();
    const { records, rejected } = await this.unpacked(batch, slice);
    if (rejected.length > 0) return { deals, fresh: [], rejected };
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
        if (count) {
          const key = segmentKey(fare.features, 0);
          if (!sketches.holds(key)) fresh.add(key);
          sketches.add(fare.features, fare.price, fare.day);
          this.touched.set(`${key}\u0000${fare.day}`, { key, day: fare.day });
          const market = segmentKey(fare.features, 3);
          this.touched.set(`${market}\u0000${fare.day}`, { key: market, day: fare.day });
          if (fare.day > this.maxDay) this.maxDay = fare.day;
        }
      }
    }
    return { deals, fresh: [...fresh], rejected };
  }

  /**
   * The records of a batch: decoded and validated as the realtime runner does (the same
   * rules, the normalised record) when packed. Any record that cannot be used makes the
   * batch rejected whole, before anything is counted.
   */
  private async unpacked(
    batch: readonly ShoppingRecord[] | PackedRecords,
    slice: TimeSlice,
  ): Promise<{ records: readonly ShoppingRecord[]; rejected: RejectedRecord[] }> {
    if (Array.isArray(batch)) return { records: batch, rejected: [] };
    const { bytes, ends } = batch as PackedRecords;
    const records: ShoppingRecord[] = [];
    const rejected: RejectedRecord[] = [];
    for (let i = 0; i < ends.length; i++) {
      if (slice.due()) await slice.pause();
      try {
        const v = validateRecord(
          decodeRecord(bytes.subarray(i === 0 ? 0 : ends[i - 1], ends[i])),
          this.validation,
        );
        if (v.ok) records.push(v.record);
        else rejected.push({ index: i, reason: `invalid record: ${v.errors.join('; ')}` });
      } catch (err) {
        rejected.push({ index: i, reason: (err as Error).message });
      }
    }
    return { records, rejected };
  }

  /**
   * After `label`: merges `revived`, the stored day sketches of its fresh segments, into
   * those segments only (their coarser levels count those fares already): a segment
   * `trim` dropped restarts from none when its fares come back, and without this the
   * save would replace each of its stored days with the few fares since. Every stored
   * day, not only the window's: a replay of old searches saves old days (`committed`
   * drops those out of the window again). Then the rows the batch's save writes.
   */
  async batchRows(revived: readonly StoredSketch[]): Promise<DealsBatchRows> {
    const warnings: DealsModelWarning[] = [];
    const slice = new TimeSlice();
    for (const r of revived) {
      if (slice.due()) await slice.pause();
      this.mergeStored(r, [r.segment], warnings);
    }
    const saved = await this.dayRows(this.touched.values(), slice);
    // a dropped segment whose fares came back in this batch is held again: its days stay
    const gone = [...this.dropped].filter((k) => !this.sketches.holds(k));
    return { saved, gone, warnings };
  }

  /**
   * The batch's save committed: forgets the dropped segments it deleted, drops days out
   * of the window, and holds the sketches to maxSegments (see trim).
   */
  async committed(): Promise<{ trimmed: number; segments: number }> {
    this.dropped.clear();
    this.touched = new Map();
    if (Number.isFinite(this.maxDay)) await this.sketches.evict(this.maxDay, new TimeSlice());
    return this.trim();
  }

  /**
   * Holds the sketches to maxSegments (SegmentSketches.trim), keeping the finest ones it
   * dropped for the next save to delete. `trimmed`: how many segments it dropped.
   */
  async trim(): Promise<{ trimmed: number; segments: number }> {
    let trimmed = 0;
    if (Number.isFinite(this.maxDay))
      trimmed = this.sketches.trim(this.maxDay, (key, level) => {
        if (level === 0) this.dropped.add(key);
      });
    return { trimmed, segments: this.sketches.size };
  }

  async close(): Promise<void> {}

  /**
   * Merges a stored day sketch into the segments `keys`. False, with a warning, when it
   * cannot be read or was made with another accuracy (such a sketch is skipped).
   */
  private mergeStored(
    r: StoredSketch,
    keys: readonly string[],
    warnings: DealsModelWarning[],
  ): boolean {
    let sk: DDSketch;
    try {
      sk = decodeSketch(r.sketch);
    } catch (err) {
      warnings.push({
        message: 'unreadable deal sketch skipped',
        fields: { segment: r.segment, day: r.day, error: (err as Error).message },
      });
      return false;
    }
    try {
      for (const k of keys) this.sketches.mergeDay(k, dayNumber(r.day), sk);
      return true;
    } catch (err) {
      warnings.push({
        message: 'deal sketch with another accuracy skipped',
        fields: { segment: r.segment, error: (err as Error).message },
      });
      return false;
    }
  }

  /**
   * The stored day sketches of segments' days held in memory (those it still holds).
   * Sliced: a batch of the history saved thousands, 80-120 ms of the event loop.
   */
  private async dayRows(
    days: Iterable<{ key: string; day: number }>,
    slice: TimeSlice,
  ): Promise<StoredSketch[]> {
    const rows: StoredSketch[] = [];
    for (const { key, day } of days) {
      if (slice.due()) await slice.pause();
      const d = this.sketches.encodedDay(key, day);
      if (d) rows.push({ segment: key, day: dayDate(day), sketch: d.sketch, fares: d.fares });
    }
    return rows;
  }
}
