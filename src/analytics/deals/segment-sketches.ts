import { DDSketch } from '@datadog/sketches-js';
import {
  checkPercentiles,
  DEFAULT_PERCENTILES,
  type DealLabel,
  type DealPercentiles,
} from './deal-label.js';
import {
  describeSegment,
  type FareFeatures,
  leadIndex,
  type ParsedSegmentKey,
  parseSegmentKey,
  SEGMENT_LEVELS,
  type SegmentLevel,
  segmentKey,
  stayIndex,
} from './fare-segment.js';
import { encodeBins } from './sketch-codec.js';

/**
 * Defaults of SegmentSketchesOptions. Trailing days of fares a fare is compared with. Short, because fares drift: replaying the
 * real Expedia fares in shopping order (evaluate-deals), the high share was 23.2 % with 28
 * days, 24.0 % with 14 and 24.5 % with 7 (intended 25 %), great 10.9, 10.6 and 10.4 % (10 %).
 */
export const DEFAULT_WINDOW_DAYS = 7;
export const DEFAULT_MIN_FARES = 50;
export const DEFAULT_RELATIVE_ACCURACY = 0.005;
export const DEFAULT_REFRESH_EVERY = 1000;
/**
 * Segments the real-time deals hold by default: about 425 MB at the 850 bytes a segment
 * of one day took in the demo (its window, its maps and keys included).
 */
export const DEFAULT_MAX_SEGMENTS = 500_000;

export interface SegmentSketchesOptions {
  /** Trailing window of days merged for comparison [7]. */
  readonly windowDays?: number;
  /** Fares a segment's window needs before it is used; else the next coarser level [50]. */
  readonly minFares?: number;
  readonly percentiles?: DealPercentiles;
  /** DDSketch relative accuracy [0.005]. */
  readonly relativeAccuracy?: number;
  /** A cached window is rebuilt after this many new fares (or 10% more, if fewer) [1000]. */
  readonly refreshEvery?: number;
  /**
   * Segments held (all levels) above which `trim` drops the least recently added of the
   * finest three levels, those with too few fares to be used first [unbounded].
   */
  readonly maxSegments?: number;
  /**
   * Label against the coarsest level (`all` fares of the currency) even with fewer than
   * minFares when no level has enough [false: such a fare gets no label]. The evaluate
   * command sets it so every probe fare gets a label.
   */
  readonly labelWithFewFares?: boolean;
}

/** How one fare compares with its segment. */
export interface FareClassification {
  readonly label: DealLabel;
  /** The segment it was compared with (finest with enough fares), as segmentKey spells it. */
  readonly segment: string;
  readonly level: SegmentLevel;
  /** Fares in the segment's window. */
  readonly fares: number;
  /** Median of the segment: the "typical" price. */
  readonly typical: number;
  /** (typical − price) / typical × 100: positive = cheaper than typical. */
  readonly savingsPct: number;
}

interface WindowView {
  day: number;
  count: number;
  great: number;
  good: number;
  median: number;
  high: number;
}

interface Segment {
  readonly key: string;
  /** Its day counts, a few (the window's days): a list, lighter than a Map. */
  days: DayCounts[];
  view: WindowView | undefined;
  /** Fares added since the view was built. */
  pending: number;
  /** When a fare was last added (SegmentSketches' count of adds): what `trim` drops by. */
  touched: number;
}

/** Levels `trim` may drop segments of: the finest three, whose number grows with the routes. */
const TRIMMED_LEVELS = 3;
/** `trim` leaves this share of maxSegments, so that it runs again only after many new segments. */
const TRIM_TO = 0.9;

/**
 * One segment's fares of one day: the counts of the DDSketch bins that hold any, by key
 * ascending. Most day sketches are of fine segments holding a few fares each, and the
 * library's sketch (an object, its own mapping, two dense stores of every bin between
 * the lowest and highest) cost about 1,560 bytes each: the demo's deals kept 72,000 of
 * them, 140 MB of the serving process's heap. A window's quantiles are read from these
 * when needed (SegmentSketches.view merges the window's bins in key order), as a DDSketch
 * of the same bins and counts answers them. Only prices above the mapping's smallest
 * value are counted; fares are positive.
 *
 * The bins are one array of exactly their size, key and count interleaved: a growing
 * array (`push`, `splice`) keeps room for 16 more elements, which made two arrays of a
 * one-fare day sketch about 300 bytes. A new bin copies the array (a day sketch holds
 * tens of bins at most; most fares land in a bin it has).
 */
class DayCounts {
  /** [key0, count0, key1, count1, ...], keys ascending. */
  bins: number[];
  count: number;
  constructor(
    readonly day: number,
    key: number,
    weight: number,
  ) {
    this.bins = [key, weight];
    this.count = weight;
  }

  add(key: number, weight: number): void {
    const bins = this.bins;
    const n = bins.length >>> 1;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((bins[2 * mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    if (lo < n && bins[2 * lo] === key) (bins[2 * lo + 1] as number) += weight;
    else {
      const next: number[] = new Array(bins.length + 2);
      for (let i = 0; i < 2 * lo; i++) next[i] = bins[i] as number;
      next[2 * lo] = key;
      next[2 * lo + 1] = weight;
      for (let i = 2 * lo; i < bins.length; i++) next[i + 2] = bins[i] as number;
      this.bins = next;
    }
    this.count += weight;
  }

  /** Bins with a count. */
  get size(): number {
    return this.bins.length >>> 1;
  }

  /** Adds these counts to `sk` (a sketch of the same accuracy). */
  addTo(sk: DDSketch): void {
    const bins = this.bins;
    for (let i = 0; i < bins.length; i += 2) sk.store.add(bins[i] as number, bins[i + 1] as number);
    sk.count += this.count;
  }
}

function dayOf(seg: Segment, day: number): DayCounts | undefined {
  const days = seg.days;
  for (let i = days.length - 1; i >= 0; i--) if ((days[i] as DayCounts).day === day) return days[i];
  return undefined;
}

/** Interned ids of a fare's currency, market, cabin and trip type (one string lookup per fare). */
interface Group {
  readonly id: number;
  readonly marketCabin: number;
  readonly cabin: number;
  readonly currency: number;
}

const LEADS = 16; // > LEAD_BUCKETS.length
const STAYS = 8; // > STAY_BUCKETS.length + 1
const fmtInt = new Intl.NumberFormat('en-US');

/**
 * Per-segment, per-day DDSketches of fare prices, merged over a trailing window to label
 * fares. Every fare is added at every level of its segment (SEGMENT_LEVELS), so each
 * level's window is exact. The merged window of a segment is cached with its cut-offs
 * and rebuilt when the day changes or enough fares arrived (see refreshEvery).
 * Segments are found by interned numeric ids on the hot path; their string keys
 * (segmentKey) are built once, when a segment is created.
 *
 * Cut-offs are order statistics chosen so that a new fare from the same distribution
 * falls below the p cut-off with probability ≈ p even in small segments: the value of
 * rank round(p·(n+1)) of n (a new draw is below the k-th smallest of n with probability
 * k/(n+1); the usual rank p·(n−1) would give `high` ≈ 29% instead of 25% at n = 30).
 */
export class SegmentSketches {
  private readonly levels: Map<number, Segment>[] = SEGMENT_LEVELS.map(() => new Map());
  private readonly byKey = new Map<string, Segment>();
  private readonly groups = new Map<string, Group>();
  private readonly interned = new Map<string, number>();
  private readonly windowDays: number;
  private readonly minFares: number;
  private readonly fewFaresMin: number;
  private readonly percentiles: DealPercentiles;
  private readonly accuracy: number;
  /** The bins' mapping, the same as every sketch of this accuracy has. */
  private readonly mapping: DDSketch['mapping'];
  /**
   * The oldest day any segment not in `late` holds (Infinity when none): evict looks at
   * every segment only once the window has moved past it.
   */
  private oldestDay = Number.POSITIVE_INFINITY;
  /**
   * Segments given a day older than oldestDay since the last evict (a late fare, a
   * revived segment's stored days, a restore): evict looks at these alone while the
   * window has not moved past oldestDay.
   */
  private late = new Set<Segment>();
  private readonly refreshEvery: number;
  private readonly maxSegments: number;
  /** Adds so far: a segment's `touched`. */
  private clock = 0;

  constructor(options: SegmentSketchesOptions = {}) {
    this.windowDays = options.windowDays ?? DEFAULT_WINDOW_DAYS;
    this.minFares = options.minFares ?? DEFAULT_MIN_FARES;
    this.fewFaresMin = options.labelWithFewFares ? 1 : this.minFares;
    this.percentiles = options.percentiles ?? DEFAULT_PERCENTILES;
    this.accuracy = options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY;
    this.mapping = new DDSketch({ relativeAccuracy: this.accuracy }).mapping;
    this.refreshEvery = options.refreshEvery ?? DEFAULT_REFRESH_EVERY;
    this.maxSegments = options.maxSegments ?? Number.POSITIVE_INFINITY;
    if (!(this.maxSegments >= 1))
      throw new RangeError(`maxSegments must be at least 1 (got ${this.maxSegments})`);
    checkPercentiles(this.percentiles);
    if (!(this.windowDays >= 1))
      throw new RangeError(`windowDays must be at least 1 (got ${this.windowDays})`);
  }

  /** Adds one fare (price > 0; others are ignored) on `day` (days since 1970-01-01 UTC). */
  add(f: FareFeatures, price: number, day: number): void {
    if (!(price > this.mapping.minPossible) || !Number.isFinite(price)) return;
    const g = this.group(f.currency, f.market, f.cabin, f.tripType);
    const lead = leadIndex(f.leadDays);
    const stay = stayIndex(f.stayDays);
    // The bin of the price is the same in every level's sketch (same mapping).
    const bin = this.mapping.key(price);
    const now = ++this.clock;
    for (let i = 0; i < SEGMENT_LEVELS.length; i++) {
      const id = numericKey(g, i, lead, stay);
      let seg = this.levels[i]?.get(id);
      if (!seg) seg = this.create(segmentKey(f, i), i, id);
      this.addToDay(seg, day, bin, 1);
      seg.pending += 1;
      seg.touched = now;
    }
  }

  /** Adds `weight` fares at `price` to one segment (a segmentKey) only; the warm start fills finest keys. */
  addToSegment(key: string, price: number, day: number, weight = 1): void {
    if (!(weight > 0)) throw new RangeError(`weight must be positive (got ${weight})`);
    if (!(price > this.mapping.minPossible) || !Number.isFinite(price)) return;
    const seg = this.segmentOfKey(key);
    this.addToDay(seg, day, this.mapping.key(price), weight);
    seg.pending += weight;
    seg.touched = ++this.clock;
  }

  /**
   * Merges a whole day sketch into a segment (restore from a checkpoint or the lake).
   * Throws when its accuracy is not this one's; its negative and zero values (never
   * added: fares are positive) are left out.
   */
  mergeDay(key: string, day: number, sketch: DDSketch): void {
    if (sketch.mapping.gamma !== this.mapping.gamma)
      throw new Error('Cannot merge two DDSketches with different `relativeAccuracy` parameters');
    const seg = this.segmentOfKey(key);
    const { bins, offset } = sketch.store;
    for (let i = 0; i < bins.length; i++) {
      const c = bins[i] as number;
      if (c > 0) this.addToDay(seg, day, i + offset, c);
    }
    seg.touched = ++this.clock;
    seg.view = undefined;
  }

  /** True when the segment (a segmentKey) is held: false for a new one and for one `trim` dropped. */
  holds(key: string): boolean {
    return this.byKey.has(key);
  }

  /**
   * The cut-offs a segment's fares are labelled by in the window ending on `today` (its
   * fares, the great, good, median and high prices), if it is held.
   */
  cutoffs(key: string, today: number): Omit<WindowView, 'day'> | undefined {
    const seg = this.byKey.get(key);
    if (!seg) return undefined;
    const { day: _, ...v } = this.view(seg, today);
    return v;
  }

  /**
   * The same cut-offs from a DDSketch merged from the window's day sketches, as `view`
   * made them before: the reference `cutoffs` is tested and benchmarked against.
   */
  cutoffsByDDSketch(key: string, today: number): Omit<WindowView, 'day'> | undefined {
    const seg = this.byKey.get(key);
    if (!seg) return undefined;
    const merged = new DDSketch({ relativeAccuracy: this.accuracy });
    for (const d of seg.days) if (this.inWindow(d.day, today)) d.addTo(merged);
    const n = merged.count;
    const at = (p: number): number => {
      if (n === 0) return Number.NaN;
      const idx = Math.min(n - 1, Math.max(0, Math.round(p * (n + 1)) - 1));
      return merged.getValueAtQuantile(n > 1 ? Math.min(1, (idx + 1e-6) / (n - 1)) : 0);
    };
    const p = this.percentiles;
    return { count: n, great: at(p.great), good: at(p.good), median: at(0.5), high: at(p.high) };
  }

  /** The day sketch of a segment, if any (for checkpoints): a DDSketch of its counts. */
  daySketch(key: string, day: number): DDSketch | undefined {
    const seg = this.byKey.get(key);
    const d = seg && dayOf(seg, day);
    if (!d) return undefined;
    // Stores grown one bin at a time, not the library's 128: the sketch holds only its range.
    const sk = new DDSketch({ relativeAccuracy: this.accuracy });
    const Store = sk.store.constructor as new (chunkSize: number) => DDSketch['store'];
    sk.store = new Store(1);
    sk.negativeStore = new Store(1);
    d.addTo(sk);
    return sk;
  }

  /**
   * The stored form (encodeBins, base64) of a segment's day sketch and its fares, if any:
   * what daySketch would give encodeSketch, without making the sketch.
   */
  encodedDay(key: string, day: number): { sketch: string; fares: number } | undefined {
    const seg = this.byKey.get(key);
    const d = seg && dayOf(seg, day);
    if (!d) return undefined;
    return { sketch: encodeBins(d.bins, this.mapping), fares: d.count };
  }

  /**
   * Drops day sketches older than the window ending on `today`; returns how many. Pauses
   * whenever `slice` is due: a day leaving the window makes it look at every segment,
   * 100-140 ms of the event loop for the demo's 45,000 while its history loaded (a day of
   * history every few seconds). Otherwise it looks only at the segments given an older
   * day than the rest since the last call (`late`): the deals revive trimmed segments with
   * their stored days every batch, and a scan of every segment for those cost the demo's
   * event loop 40-120 ms a second after its history. Nothing else may add to or trim
   * these sketches until it resolves.
   */
  async evict(today: number, slice: { due(): boolean; pause(): Promise<void> }): Promise<number> {
    const cutoff = today - this.windowDays;
    const late = this.late;
    if (this.oldestDay > cutoff && late.size === 0) return 0;
    this.late = new Set();
    let dropped = 0;
    let oldest = Number.POSITIVE_INFINITY;
    const look = (seg: Segment, forget: () => void): void => {
      const days = seg.days;
      let kept = 0;
      for (const d of days)
        if (d.day > cutoff) {
          days[kept++] = d;
          if (d.day < oldest) oldest = d.day;
        }
      dropped += days.length - kept;
      if (kept < days.length) seg.days = days.slice(0, kept);
      if (kept === 0) forget();
    };
    if (this.oldestDay > cutoff) {
      // the window has not moved past the others' days: only the late ones can hold older
      for (const seg of late) {
        if (this.byKey.get(seg.key) !== seg) continue; // trimmed since: no longer held
        if (slice.due()) await slice.pause();
        look(seg, () => {
          // its level and id from its key (segments keep neither: 45,000 of them)
          const p = parseSegmentKey(seg.key) as ParsedSegmentKey;
          this.levels[p.level]?.delete(this.idOf(p));
          this.byKey.delete(seg.key);
        });
      }
      if (oldest < this.oldestDay) this.oldestDay = oldest;
      return dropped;
    }
    for (const level of this.levels)
      for (const [id, seg] of level) {
        if (slice.due()) await slice.pause();
        look(seg, () => {
          level.delete(id);
          this.byKey.delete(seg.key);
        });
      }
    this.oldestDay = oldest;
    return dropped;
  }

  /**
   * Holds at most maxSegments segments: when there are more, drops segments of the finest
   * three levels (full, lead, trip: their number grows with the routes and the fares'
   * lead times and stays) until TRIM_TO of maxSegments are left, or none of those levels
   * is. Those with fewer than minFares fares in the window ending on `today` go first (a
   * fare is not labelled against them anyway), the least recently added first, then the
   * others in the same order. A dropped segment's fares stay counted in its coarser
   * levels; if its fares come back it starts again from none, so a label falls back to
   * a coarser level until it has minFares again. Returns how many segments it dropped;
   * `dropped` is told each one's key and level (an index of SEGMENT_LEVELS).
   */
  trim(today: number, dropped?: (key: string, level: number) => void): number {
    const size = this.byKey.size;
    if (size <= this.maxSegments) return 0;
    const excess = size - Math.floor(this.maxSegments * TRIM_TO);
    // Scores: touched, plus (clock + 1) for a segment with enough fares, so that every
    // segment too small to be used sorts before every one that is.
    let candidates = 0;
    for (let i = 0; i < TRIMMED_LEVELS; i++)
      candidates += (this.levels[i] as Map<number, Segment>).size;
    const scores = new Float64Array(candidates);
    const segs: Segment[] = new Array(candidates);
    const ids = new Float64Array(candidates);
    const levelOf = new Uint8Array(candidates);
    let n = 0;
    // forEach, not for-of over entries (an [id, seg] pair a segment): a trim of 100,000
    // segments takes about 30 ms of the event loop instead of 40-55 ms
    for (let i = 0; i < TRIMMED_LEVELS; i++)
      (this.levels[i] as Map<number, Segment>).forEach((seg, id) => {
        scores[n] = this.trimScore(seg, today);
        segs[n] = seg;
        ids[n] = id;
        levelOf[n++] = i;
      });
    const threshold = scores.slice().sort()[Math.min(excess, candidates) - 1] as number;
    let gone = 0;
    for (let j = 0; j < candidates && gone < excess; j++)
      if ((scores[j] as number) <= threshold) {
        const level = levelOf[j] as number;
        const key = (segs[j] as Segment).key;
        (this.levels[level] as Map<number, Segment>).delete(ids[j] as number);
        this.byKey.delete(key);
        dropped?.(key, level);
        gone++;
      }
    return gone;
  }

  /** True when `day` is in the window ending on `today`. */
  private inWindow(day: number, today: number): boolean {
    return day <= today && day > today - this.windowDays;
  }

  private trimScore(seg: Segment, today: number): number {
    let fares = 0;
    for (const d of seg.days) if (this.inWindow(d.day, today)) fares += d.count;
    return fares >= this.minFares ? seg.touched + this.clock + 1 : seg.touched;
  }

  /** Adds `weight` fares in bin `key` to `seg`'s counts of `day` (new when it had none). */
  private addToDay(seg: Segment, day: number, key: number, weight: number): void {
    const d = dayOf(seg, day);
    if (d) {
      d.add(key, weight);
      return;
    }
    // a list of exactly its days (push would keep room for 16 more)
    seg.days = [...seg.days, new DayCounts(day, key, weight)];
    if (day < this.oldestDay) this.late.add(seg);
  }

  /** Number of segments held (all levels). */
  get size(): number {
    return this.byKey.size;
  }

  /** Day sketches held (all segments and days). */
  get sketches(): number {
    let n = 0;
    for (const seg of this.byKey.values()) n += seg.days.length;
    return n;
  }

  /** Bins the day sketches hold (those with a count): what their memory grows with. */
  get bins(): number {
    let n = 0;
    for (const seg of this.byKey.values()) for (const d of seg.days) n += d.size;
    return n;
  }

  /**
   * Labels a fare against the finest level of its segment with at least minFares fares
   * in the window ending on `today` (with labelWithFewFares, the coarsest level `all` is
   * used with fewer when nothing else has enough). Undefined when no level qualifies.
   */
  classify(f: FareFeatures, price: number, today: number): FareClassification | undefined {
    const g = this.group(f.currency, f.market, f.cabin, f.tripType);
    const lead = leadIndex(f.leadDays);
    const stay = stayIndex(f.stayDays);
    const last = SEGMENT_LEVELS.length - 1;
    for (let i = 0; i <= last; i++) {
      const seg = this.levels[i]?.get(numericKey(g, i, lead, stay));
      if (!seg) continue;
      const v = this.view(seg, today);
      if (v.count < (i === last ? this.fewFaresMin : this.minFares)) continue;
      const label: DealLabel =
        price < v.great ? 'great' : price < v.good ? 'good' : price > v.high ? 'high' : 'typical';
      return {
        label,
        segment: seg.key,
        level: SEGMENT_LEVELS[i] as SegmentLevel,
        fares: v.count,
        typical: v.median,
        savingsPct: v.median > 0 ? ((v.median - price) / v.median) * 100 : 0,
      };
    }
    return undefined;
  }

  private group(currency: string, market: string, cabin: string, trip: string): Group {
    const k = `${currency}|${market}|${cabin}|${trip}`;
    let g = this.groups.get(k);
    if (!g) {
      g = {
        // joined, not templates: flat strings (see segmentKey)
        id: this.intern(['g', currency, market, cabin, trip].join('|')),
        marketCabin: this.intern(['mc', currency, market, cabin].join('|')),
        cabin: this.intern(['c', currency, cabin].join('|')),
        currency: this.intern(['cur', currency].join('|')),
      };
      this.groups.set([currency, market, cabin, trip].join('|'), g);
    }
    return g;
  }

  private intern(s: string): number {
    let id = this.interned.get(s);
    if (id === undefined) {
      id = this.interned.size;
      this.interned.set(s, id);
    }
    return id;
  }

  private create(key: string, level: number, id: number): Segment {
    const seg: Segment = { key, days: [], view: undefined, pending: 0, touched: this.clock };
    this.levels[level]?.set(id, seg);
    this.byKey.set(key, seg);
    return seg;
  }

  private segmentOfKey(key: string): Segment {
    const existing = this.byKey.get(key);
    if (existing) return existing;
    const p: ParsedSegmentKey | undefined = parseSegmentKey(key);
    if (!p) throw new RangeError(`not a segment key: "${key}"`);
    return this.create(key, p.level, this.idOf(p));
  }

  /** The numeric id of a parsed segment key in its level. */
  private idOf(p: ParsedSegmentKey): number {
    const g = this.group(p.currency, p.market, p.cabin, p.tripType);
    return numericKey(g, p.level, p.lead, p.stay);
  }

  private view(seg: Segment, today: number): WindowView {
    const v = seg.view;
    if (
      v &&
      v.day === today &&
      // Still too few fares to be used whatever arrived: no need to rebuild.
      (v.count + seg.pending < this.fewFaresMin ||
        seg.pending < Math.min(this.refreshEvery, Math.max(1, Math.ceil(v.count * 0.1))))
    )
      return v;
    const p = this.percentiles;
    const w = this.windowQuantiles(seg, today, [p.great, p.good, 0.5, p.high]);
    const [great, good, median, high] = w.values as [number, number, number, number];
    const nv: WindowView = { day: today, count: w.count, great, good, median, high };
    seg.view = nv;
    seg.pending = 0;
    return nv;
  }

  /** The window's day counts and a cursor into each: windowQuantiles' scratch. */
  private readonly inView: DayCounts[] = [];
  private readonly cursors: number[] = [];

  /**
   * The prices at `percentiles` of `seg`'s fares in the window ending on `today`, as a
   * DDSketch merged from its day sketches answers them (the rank of each rounded to a
   * fare, then the lower key at that rank), NaN for each when it has none, and its fares.
   * The day sketches' bins are merged in key order in place: building
   * the merged sketch (an object and two dense stores of 128 bins and up, shifted as
   * they grow) was the deals' largest allocation while the demo's history loaded.
   */
  private windowQuantiles(
    seg: Segment,
    today: number,
    percentiles: number[],
  ): { count: number; values: number[] } {
    const days = this.inView;
    const cursors = this.cursors;
    days.length = 0;
    cursors.length = 0;
    let n = 0;
    for (const d of seg.days)
      if (this.inWindow(d.day, today)) {
        days.push(d);
        cursors.push(0);
        n += d.count;
      }
    const out = percentiles.map(() => Number.NaN);
    if (n === 0) return { count: 0, values: out };
    // the rank DDSketch.getValueAtQuantile looks up for each, as `view` asked it before
    const ranks = percentiles.map((p) => {
      const idx = Math.min(n - 1, Math.max(0, Math.round(p * (n + 1)) - 1));
      const q = n > 1 ? Math.min(1, (idx + 1e-6) / (n - 1)) : 0;
      return q * (n - 1);
    });
    let left = ranks.length;
    let running = 0;
    while (left > 0) {
      // the smallest key not yet counted, over the days (each day's bins ascend)
      let key = Number.POSITIVE_INFINITY;
      for (let i = 0; i < days.length; i++) {
        const c = cursors[i] as number;
        const bins = (days[i] as DayCounts).bins;
        if (c < bins.length && (bins[c] as number) < key) key = bins[c] as number;
      }
      if (key === Number.POSITIVE_INFINITY) break; // rounding: never past the last fare
      for (let i = 0; i < days.length; i++) {
        const c = cursors[i] as number;
        const bins = (days[i] as DayCounts).bins;
        if (c < bins.length && bins[c] === key) {
          running += bins[c + 1] as number;
          cursors[i] = c + 2;
        }
      }
      for (let j = 0; j < ranks.length; j++)
        if (Number.isNaN(out[j] as number) && running > (ranks[j] as number)) {
          out[j] = this.mapping.value(key);
          left--;
        }
    }
    days.length = 0;
    return { count: n, values: out };
  }
}

function numericKey(g: Group, level: number, lead: number, stay: number): number {
  switch (level) {
    case 0:
      return (g.id * LEADS + lead) * STAYS + stay;
    case 1:
      return g.id * LEADS + lead;
    case 2:
      return g.id;
    case 3:
      return g.marketCabin;
    case 4:
      return g.cabin;
    default:
      return g.currency;
  }
}

/** The sentence a traveller reads for a classification. */
export function explain(savingsPct: number, segment: string, fares: number): string {
  const pct = Math.round(Math.abs(savingsPct));
  const where = `${describeSegment(segment)}, based on ${fmtInt.format(fares)} fares`;
  if (pct === 0) return `About typical for ${where}`;
  return `${pct}% ${savingsPct > 0 ? 'below' : 'above'} typical for ${where}`;
}
