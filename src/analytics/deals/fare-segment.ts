/**
 * Comparable fares: segments of market × cabin × trip type × lead-time bucket ×
 * stay-length bucket (and currency: fares in different currencies are never compared),
 * with coarser levels to fall back on when a segment has too few fares.
 */

/** What a fare is compared on. */
export interface FareFeatures {
  /** `JFK-LAX`. */
  readonly market: string;
  readonly cabin: string;
  /** `oneway`, `roundtrip`, `multicity`, or '' when unknown. */
  readonly tripType: string;
  /** Days from the search to departure (≥ 0). */
  readonly leadDays: number;
  /** Days between departure and return; undefined for one-way or unknown. */
  readonly stayDays?: number;
  /** ISO 4217; '' when the input has no currency. */
  readonly currency: string;
}

/** Segment levels, finest first. */
export const SEGMENT_LEVELS = ['full', 'lead', 'trip', 'market', 'cabin', 'all'] as const;
export type SegmentLevel = (typeof SEGMENT_LEVELS)[number];

/** Lead-time buckets: [from, to] days inclusive; the last is open. */
export const LEAD_BUCKETS: readonly (readonly [number, number])[] = [
  [0, 3],
  [4, 7],
  [8, 14],
  [15, 21],
  [22, 30],
  [31, 45],
  [46, 60],
  [61, 90],
  [91, 180],
  [181, Number.POSITIVE_INFINITY],
];

/** Stay-length buckets (days), for trips with a return. */
export const STAY_BUCKETS: readonly (readonly [number, number])[] = [
  [0, 2],
  [3, 5],
  [6, 9],
  [10, 16],
  [17, Number.POSITIVE_INFINITY],
];

function bucketIndex(buckets: readonly (readonly [number, number])[], v: number): number {
  for (let i = 0; i < buckets.length; i++)
    if (v <= (buckets[i] as readonly [number, number])[1]) return i;
  return buckets.length - 1;
}

/** `15-21` or `181+`. */
function bucketLabel(b: readonly [number, number]): string {
  return Number.isFinite(b[1]) ? `${b[0]}-${b[1]}` : `${b[0]}+`;
}

const LEAD_LABELS = LEAD_BUCKETS.map(bucketLabel);
const STAY_LABELS = STAY_BUCKETS.map(bucketLabel);

/** Index in LEAD_BUCKETS of a lead time. */
export function leadIndex(days: number): number {
  return bucketIndex(LEAD_BUCKETS, Math.max(0, days));
}

/** Index in STAY_BUCKETS of a stay, or STAY_BUCKETS.length without a return. */
export function stayIndex(days: number | undefined): number {
  return days === undefined ? STAY_BUCKETS.length : bucketIndex(STAY_BUCKETS, Math.max(0, days));
}

/** The parts of a segment key (see segmentKey); undefined when it is not one. */
export interface ParsedSegmentKey {
  level: number;
  currency: string;
  market: string;
  cabin: string;
  tripType: string;
  lead: number;
  stay: number;
}

/** Parses a key made by segmentKey back into its parts (absent parts are '' or -1). */
export function parseSegmentKey(key: string): ParsedSegmentKey | undefined {
  const p = key.split('|');
  const level = (SEGMENT_LEVELS as readonly string[]).indexOf(p[0] as string);
  const expect = [7, 6, 5, 4, 3, 2][level];
  if (level < 0 || p.length !== expect) return undefined;
  const cur = p[1] as string;
  if (level === 5)
    return { level, currency: cur, market: '', cabin: '', tripType: '', lead: -1, stay: -1 };
  if (level === 4)
    return {
      level,
      currency: cur,
      market: '',
      cabin: p[2] as string,
      tripType: '',
      lead: -1,
      stay: -1,
    };
  const lead = level <= 1 ? LEAD_LABELS.indexOf(p[5] as string) : -1;
  const stay =
    level === 0 ? (p[6] === '-' ? STAY_BUCKETS.length : STAY_LABELS.indexOf(p[6] as string)) : -1;
  if ((level <= 1 && lead < 0) || (level === 0 && stay < 0)) return undefined;
  return {
    level,
    currency: cur,
    market: p[2] as string,
    cabin: p[3] as string,
    tripType: p[4] ?? '',
    lead,
    stay,
  };
}

/** `15-21` for 17 days out. */
export function leadBucket(days: number): string {
  return LEAD_LABELS[bucketIndex(LEAD_BUCKETS, Math.max(0, days))] as string;
}

/** `3-5` for a 4-day stay; `-` without a return. */
export function stayBucket(days: number | undefined): string {
  if (days === undefined) return '-';
  return STAY_LABELS[bucketIndex(STAY_BUCKETS, Math.max(0, days))] as string;
}

/**
 * The key of a fare's segment at level `i` of SEGMENT_LEVELS, e.g.
 * `full|USD|JFK-LAX|economy|roundtrip|15-21|3-5` (i = 0), …, `cabin|USD|economy`, `all|USD`.
 * Joined, not a template: V8 keeps a template's result as a tree of its parts (about 350
 * bytes for a `full` key, against 66 for the joined string), and the deals keep one key
 * per segment for as long as the segment lives.
 */
export function segmentKey(f: FareFeatures, i: number): string {
  switch (i) {
    case 0:
      return [
        'full',
        f.currency,
        f.market,
        f.cabin,
        f.tripType,
        leadBucket(f.leadDays),
        stayBucket(f.stayDays),
      ].join('|');
    case 1:
      return ['lead', f.currency, f.market, f.cabin, f.tripType, leadBucket(f.leadDays)].join('|');
    case 2:
      return ['trip', f.currency, f.market, f.cabin, f.tripType].join('|');
    case 3:
      return ['market', f.currency, f.market, f.cabin].join('|');
    case 4:
      return ['cabin', f.currency, f.cabin].join('|');
    default:
      return ['all', f.currency].join('|');
  }
}

const DASH = '\u2013';

/** Words for a segment key: `JFK–LAX economy, round trips, 15–21 days out, 3–5-day stays`. */
export function describeSegment(key: string): string {
  const parts = key.split('|');
  const level = parts[0] as SegmentLevel;
  if (level === 'all') return 'all fares';
  if (level === 'cabin') return `${parts[2]} fares on all routes`;
  const market = (parts[2] ?? '').replace('-', DASH);
  const out = [`${market} ${parts[3]}`];
  if (level === 'market') return out[0] as string;
  const trip = parts[4];
  if (trip === 'roundtrip') out.push('round trips');
  else if (trip === 'oneway') out.push('one-way');
  else if (trip === 'multicity') out.push('multi-city');
  if (level === 'trip') return out.join(', ');
  const lead = (parts[5] ?? '').replace('-', DASH);
  out.push(`${lead} days out`);
  if (level === 'lead') return out.join(', ');
  const stay = parts[6];
  if (stay && stay !== '-') out.push(`${stay.replace('-', DASH)}-day stays`);
  return out.join(', ');
}

/**
 * The keys of a stored segment's level and every coarser one, finest first: for a
 * finest-level key (`full|…`) all six, for a market-level key (`market|…`) market, cabin
 * and all. So a stored day sketch can be merged into the levels it counts on restore.
 * Undefined for another level's key (none is stored).
 */
export function levelKeysOf(key: string): string[] | undefined {
  const p = key.split('|');
  if (p[0] === 'market' && p.length === 4) {
    const [, cur, , cabin] = p;
    return [key, `cabin|${cur}|${cabin}`, `all|${cur}`];
  }
  if (p[0] !== 'full' || p.length !== 7) return undefined;
  const [, cur, market, cabin, trip, lead] = p;
  return [
    key,
    `lead|${cur}|${market}|${cabin}|${trip}|${lead}`,
    `trip|${cur}|${market}|${cabin}|${trip}`,
    `market|${cur}|${market}|${cabin}`,
    `cabin|${cur}|${cabin}`,
    `all|${cur}`,
  ];
}
