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

/**
 * Defaults of SegmentSketchesOptions. Trailing days of fares a fare is compared with. Short, because fares drift: replaying the
 * real Expedia fares in shopping order (evaluate-deals), the high share was 23.2 % with 28
 * days, 24.0 % with 14 and 24.5 % with 7 (intended 25 %), great 10.9, 10.6 and 10.4 % (10 %).
 */
export const DEFAULT_WINDOW_DAYS = 7;
export const DEFAULT_MIN_FARES = 50;
export const DEFAULT_RELATIVE_ACCURACY = 0.005;
export const DEFAULT_REFRESH_EVERY = 1000;

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
  readonly days: Map<number, DDSketch>;
  view: WindowView | undefined;
  /** Fares added since the view was built. */
  pending: number;
}

/** Interned ids of a fare's currency, market, cabin and trip type (one string lookup per fare). */
interface Group {
  readonly id: number;
  readonly marketCabin: number;
  readonly cabin: number;
  readonly currency: number;
}

/**
 * Bins a day sketch's store grows by. The library's 128 suits one busy sketch; here most
 * day sketches are of fine segments holding a few fares each (the demo's deals held 147,000
 * of them at 136 bins on average: 20 million bins, about 160 MB), and a fare adds one to
 * its bin whatever the chunk, so the quantiles are the same.
 */
const STORE_CHUNK = 8;

/** An empty day sketch whose stores grow STORE_CHUNK bins at a time. */
function daySketch(relativeAccuracy: number): DDSketch {
  const sk = new DDSketch({ relativeAccuracy });
  const Store = sk.store.constructor as new (chunkSize: number) => DDSketch['store'];
  sk.store = new Store(STORE_CHUNK);
  sk.negativeStore = new Store(STORE_CHUNK);
  return sk;
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
  private readonly refreshEvery: number;

  constructor(options: SegmentSketchesOptions = {}) {
    this.windowDays = options.windowDays ?? DEFAULT_WINDOW_DAYS;
    this.minFares = options.minFares ?? DEFAULT_MIN_FARES;
    this.fewFaresMin = options.labelWithFewFares ? 1 : this.minFares;
    this.percentiles = options.percentiles ?? DEFAULT_PERCENTILES;
    this.accuracy = options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY;
    this.refreshEvery = options.refreshEvery ?? DEFAULT_REFRESH_EVERY;
    checkPercentiles(this.percentiles);
    if (!(this.windowDays >= 1))
      throw new RangeError(`windowDays must be at least 1 (got ${this.windowDays})`);
  }

  /** Adds one fare (price > 0; others are ignored) on `day` (days since 1970-01-01 UTC). */
  add(f: FareFeatures, price: number, day: number): void {
    if (!(price > 0) || !Number.isFinite(price)) return;
    const g = this.group(f.currency, f.market, f.cabin, f.tripType);
    const lead = leadIndex(f.leadDays);
    const stay = stayIndex(f.stayDays);
    // The bin of the price is the same in every level's sketch (same mapping): compute it
    // once and add to each store directly, exactly as DDSketch.accept does for a positive value.
    let bin = Number.NaN;
    for (let i = 0; i < SEGMENT_LEVELS.length; i++) {
      const id = numericKey(g, i, lead, stay);
      let seg = this.levels[i]?.get(id);
      if (!seg) seg = this.create(segmentKey(f, i), i, id);
      let sk = seg.days.get(day);
      if (!sk) {
        sk = daySketch(this.accuracy);
        seg.days.set(day, sk);
      }
      if (Number.isNaN(bin)) {
        if (!(price > sk.mapping.minPossible)) return;
        bin = sk.mapping.key(price);
      }
      sk.store.add(bin, 1);
      sk.count += 1;
      sk.sum += price;
      if (price < sk.min) sk.min = price;
      if (price > sk.max) sk.max = price;
      seg.pending += 1;
    }
  }

  /** Adds `weight` fares at `price` to one segment (a segmentKey) only; the warm start fills finest keys. */
  addToSegment(key: string, price: number, day: number, weight = 1): void {
    addTo(this.segmentOfKey(key), price, day, weight, this.accuracy);
  }

  /** Merges a whole day sketch into a segment (restore from a checkpoint or the lake). */
  mergeDay(key: string, day: number, sketch: DDSketch): void {
    const seg = this.segmentOfKey(key);
    const sk = seg.days.get(day);
    if (sk) sk.merge(sketch);
    else {
      const copy = daySketch(this.accuracy);
      copy.merge(sketch);
      seg.days.set(day, copy);
    }
    seg.view = undefined;
  }

  /** The day sketch of a segment, if any (for checkpoints). */
  daySketch(key: string, day: number): DDSketch | undefined {
    return this.byKey.get(key)?.days.get(day);
  }

  /** Drops day sketches older than the window ending on `today`. Returns how many. */
  evict(today: number): number {
    let dropped = 0;
    for (let i = 0; i < this.levels.length; i++) {
      const level = this.levels[i] as Map<number, Segment>;
      for (const [id, seg] of level) {
        for (const d of seg.days.keys())
          if (d <= today - this.windowDays) {
            seg.days.delete(d);
            dropped++;
          }
        if (seg.days.size === 0) {
          level.delete(id);
          this.byKey.delete(seg.key);
        }
      }
    }
    return dropped;
  }

  /** Number of segments held (all levels). */
  get size(): number {
    return this.byKey.size;
  }

  /** Day sketches held (all segments and days). */
  get sketches(): number {
    let n = 0;
    for (const seg of this.byKey.values()) n += seg.days.size;
    return n;
  }

  /** Bins the day sketches' stores hold: what their memory grows with. */
  get bins(): number {
    let n = 0;
    for (const seg of this.byKey.values())
      for (const sk of seg.days.values()) n += sk.store.bins.length + sk.negativeStore.bins.length;
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
        id: this.intern(`g|${k}`),
        marketCabin: this.intern(`mc|${currency}|${market}|${cabin}`),
        cabin: this.intern(`c|${currency}|${cabin}`),
        currency: this.intern(`cur|${currency}`),
      };
      this.groups.set(k, g);
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
    const seg: Segment = { key, days: new Map(), view: undefined, pending: 0 };
    this.levels[level]?.set(id, seg);
    this.byKey.set(key, seg);
    return seg;
  }

  private segmentOfKey(key: string): Segment {
    const existing = this.byKey.get(key);
    if (existing) return existing;
    const p: ParsedSegmentKey | undefined = parseSegmentKey(key);
    if (!p) throw new RangeError(`not a segment key: "${key}"`);
    const g = this.group(p.currency, p.market, p.cabin, p.tripType);
    return this.create(key, p.level, numericKey(g, p.level, p.lead, p.stay));
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
    const merged = new DDSketch({ relativeAccuracy: this.accuracy });
    for (const [d, sk] of seg.days) if (d <= today && d > today - this.windowDays) merged.merge(sk);
    const n = merged.count;
    const at = (p: number): number => {
      if (n === 0) return Number.NaN;
      const idx = Math.min(n - 1, Math.max(0, Math.round(p * (n + 1)) - 1));
      return merged.getValueAtQuantile(n > 1 ? Math.min(1, (idx + 1e-6) / (n - 1)) : 0);
    };
    const p = this.percentiles;
    const nv: WindowView = {
      day: today,
      count: n,
      great: at(p.great),
      good: at(p.good),
      median: at(0.5),
      high: at(p.high),
    };
    seg.view = nv;
    seg.pending = 0;
    return nv;
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

function addTo(seg: Segment, price: number, day: number, weight: number, accuracy: number): void {
  let sk = seg.days.get(day);
  if (!sk) {
    sk = daySketch(accuracy);
    seg.days.set(day, sk);
  }
  sk.accept(price, weight);
  seg.pending += weight;
}

/** The sentence a traveller reads for a classification. */
export function explain(savingsPct: number, segment: string, fares: number): string {
  const pct = Math.round(Math.abs(savingsPct));
  const where = `${describeSegment(segment)}, based on ${fmtInt.format(fares)} fares`;
  if (pct === 0) return `About typical for ${where}`;
  return `${pct}% ${savingsPct > 0 ? 'below' : 'above'} typical for ${where}`;
}
