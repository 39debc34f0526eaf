/**
 * The Overview's time series: every `intervalMs` the sampler reads the Prometheus
 * registries of the process (ingest's and the API's) and the gauges the platform gives
 * (lag per group, lake files), turns counters into rates and histogram buckets into
 * percentiles over the interval, and keeps the points in three rings: every sample for
 * 15 minutes, one-minute means for 24 hours, fifteen-minute means for 7 days. Listeners
 * (the SSE streams of open Consoles) get each new point; nothing is computed per viewer.
 */
import type { Registry } from 'prom-client';

/** One point: its time (epoch ms) and a value per series key. */
export interface Point {
  t: number;
  v: Record<string, number>;
}

/** The windows the Overview offers, with their span and the ring they read. */
export const WINDOWS = {
  '15m': { spanMs: 15 * 60_000, ring: 'raw' },
  '6h': { spanMs: 6 * 3_600_000, ring: 'minute' },
  '24h': { spanMs: 24 * 3_600_000, ring: 'minute' },
  '7d': { spanMs: 7 * 86_400_000, ring: 'quarter' },
} as const;
export type WindowName = keyof typeof WINDOWS;

/** Gauges read beside the registries at each sample. */
export interface PlatformGauges {
  /** Records behind per consumer group (summed over shards) and the oldest unread age, ms. */
  lag: { group: string; records: number; oldestAgeMs: number }[];
  /** Lake files written since start (a counter: the sampler turns it into files per minute). */
  lakeFiles: number;
}

type Raw = {
  counters: Map<string, number>;
  /** Cumulative bucket counts by upper bound, summed over label sets. */
  histograms: Map<string, Map<number, number>>;
};

const INGEST_RECORDS = 'faresight_ingest_records_total';
const INGEST_REJECTIONS = 'faresight_ingest_rejections_total';
const INGEST_ACK = 'faresight_ingest_ack_seconds';
const HTTP_REQUESTS = 'faresight_http_requests_total';
const HTTP_DURATION = 'faresight_http_request_duration_seconds';

/** Requests of the customer API: the `api` service, not the Console's own routes. */
function isApiRequest(labels: Record<string, string | number>): boolean {
  return labels.service === 'api' && !String(labels.route ?? '').startsWith('/console');
}

async function readRegistries(registries: readonly Registry[]): Promise<Raw> {
  const counters = new Map<string, number>();
  const histograms = new Map<string, Map<number, number>>();
  const add = (k: string, v: number) => counters.set(k, (counters.get(k) ?? 0) + v);
  for (const r of registries) {
    for (const m of await r.getMetricsAsJSON()) {
      for (const x of m.values as {
        value: number;
        metricName?: string;
        labels: Record<string, string | number>;
      }[]) {
        const l = x.labels;
        if (m.name === INGEST_RECORDS) add(`records:${l.vendor}`, x.value);
        else if (m.name === INGEST_REJECTIONS) add(`rejections:${l.vendor}`, x.value);
        else if (m.name === HTTP_REQUESTS && isApiRequest(l)) add('api', x.value);
        else if (
          (m.name === INGEST_ACK || (m.name === HTTP_DURATION && isApiRequest(l))) &&
          x.metricName?.endsWith('_bucket')
        ) {
          const key = m.name === INGEST_ACK ? 'ingest' : 'api';
          const le = l.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(l.le);
          const h = histograms.get(key) ?? new Map<number, number>();
          histograms.set(key, h);
          h.set(le, (h.get(le) ?? 0) + x.value);
        }
      }
    }
  }
  return { counters, histograms };
}

/**
 * The `q` quantile (0..1) of the observations between two readings of a cumulative
 * histogram, interpolated linearly inside its bucket; undefined when none was observed.
 */
export function quantileOfDelta(
  before: ReadonlyMap<number, number> | undefined,
  after: ReadonlyMap<number, number>,
  q: number,
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const cum = bounds.map((le) => (after.get(le) ?? 0) - (before?.get(le) ?? 0));
  const total = cum[cum.length - 1] ?? 0;
  if (total <= 0) return undefined;
  const target = q * total;
  let prevLe = 0;
  let prevCum = 0;
  for (let i = 0; i < bounds.length; i++) {
    const le = bounds[i] as number;
    const c = cum[i] as number;
    if (c >= target) {
      if (!Number.isFinite(le)) return prevLe;
      const inBucket = c - prevCum;
      return inBucket <= 0 ? le : prevLe + ((le - prevLe) * (target - prevCum)) / inBucket;
    }
    prevLe = le;
    prevCum = c;
  }
  return prevLe;
}

/** Means of the points of each `bucketMs` bucket, stamped with the bucket's start. */
function bucketMean(points: readonly Point[], bucketMs: number): Point | undefined {
  if (points.length === 0) return undefined;
  const sum: Record<string, number> = {};
  const n: Record<string, number> = {};
  for (const p of points)
    for (const [k, v] of Object.entries(p.v)) {
      sum[k] = (sum[k] ?? 0) + v;
      n[k] = (n[k] ?? 0) + 1;
    }
  const v: Record<string, number> = {};
  for (const k of Object.keys(sum)) v[k] = (sum[k] as number) / (n[k] as number);
  const t0 = (points[0] as Point).t;
  return { t: t0 - (t0 % bucketMs), v };
}

class Ring {
  private readonly points: Point[] = [];
  private pending: Point[] = [];
  constructor(
    private readonly keepMs: number,
    private readonly bucketMs = 0,
  ) {}
  add(p: Point): void {
    if (this.bucketMs === 0) this.points.push(p);
    else {
      const first = this.pending[0];
      if (first && Math.floor(first.t / this.bucketMs) !== Math.floor(p.t / this.bucketMs)) {
        const m = bucketMean(this.pending, this.bucketMs);
        if (m) this.points.push(m);
        this.pending = [];
      }
      this.pending.push(p);
    }
    while (this.points.length > 0 && (this.points[0] as Point).t < p.t - this.keepMs)
      this.points.shift();
  }
  since(t: number): Point[] {
    const open = bucketMean(this.pending, this.bucketMs || 1);
    return [...this.points, ...(this.bucketMs && open ? [open] : [])].filter((p) => p.t >= t);
  }
}

export interface MetricsSamplerOptions {
  registries: readonly Registry[];
  gauges: () => Promise<PlatformGauges>;
  /** Period of the samples, ms [2000]. */
  intervalMs?: number;
  now?: () => number;
  /** Told of a failed sample (the sampler goes on). */
  onError?: (err: Error) => void;
}

export class MetricsSampler {
  private readonly rings = {
    raw: new Ring(15 * 60_000),
    minute: new Ring(24 * 3_600_000, 60_000),
    quarter: new Ring(7 * 86_400_000, 15 * 60_000),
  };
  private last: { t: number; raw: Raw; lakeFiles: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(p: Point) => void>();
  private readonly now: () => number;
  readonly intervalMs: number;

  constructor(private readonly opts: MetricsSamplerOptions) {
    this.now = opts.now ?? Date.now;
    this.intervalMs = opts.intervalMs ?? 2000;
  }

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** Calls `fn` with every new point until the returned function is called. */
  subscribe(fn: (p: Point) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The points of `window` ending now. */
  window(name: WindowName): Point[] {
    const w = WINDOWS[name];
    return this.rings[w.ring].since(this.now() - w.spanMs);
  }

  /** Takes one sample now; the first sample only sets the baseline of the rates. */
  async sample(): Promise<Point | undefined> {
    try {
      const [raw, gauges] = await Promise.all([
        readRegistries(this.opts.registries),
        this.opts.gauges(),
      ]);
      const t = this.now();
      const prev = this.last;
      this.last = { t, raw, lakeFiles: gauges.lakeFiles };
      if (!prev || t <= prev.t) return undefined;
      const dt = (t - prev.t) / 1000;
      const v: Record<string, number> = {};
      for (const [k, c] of raw.counters) {
        const d = c - (prev.raw.counters.get(k) ?? 0);
        v[k] = Math.max(0, d) / dt;
      }
      for (const [key, h] of raw.histograms) {
        const before = prev.raw.histograms.get(key);
        const p50 = quantileOfDelta(before, h, 0.5);
        const p99 = quantileOfDelta(before, h, 0.99);
        if (p50 !== undefined) v[`${key}_p50_ms`] = p50 * 1000;
        if (p99 !== undefined) v[`${key}_p99_ms`] = p99 * 1000;
      }
      const byGroup = new Map<string, { records: number; ageMs: number }>();
      for (const l of gauges.lag) {
        const g = byGroup.get(l.group) ?? { records: 0, ageMs: 0 };
        g.records += l.records;
        g.ageMs = Math.max(g.ageMs, l.oldestAgeMs);
        byGroup.set(l.group, g);
      }
      for (const [g, x] of byGroup) {
        v[`lag:${g}`] = x.records;
        v[`lag_s:${g}`] = x.ageMs / 1000;
      }
      v.lake_files_per_minute = (Math.max(0, gauges.lakeFiles - prev.lakeFiles) / dt) * 60;
      const p: Point = { t, v };
      for (const r of Object.values(this.rings)) r.add(p);
      for (const fn of this.listeners) fn(p);
      return p;
    } catch (err) {
      this.opts.onError?.(err as Error);
      return undefined;
    }
  }
}
