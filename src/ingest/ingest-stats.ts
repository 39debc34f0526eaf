/**
 * Per-vendor ingest statistics: the same figures as Prometheus metrics (live) and as one
 * row per vendor and period on the `ingest-stats` stream, which the lake stores as table
 * `ingest_stats`. Latency percentiles come from a DDSketch (relative error 1%).
 */
import { hostname } from 'node:os';
import { DDSketch } from '@datadog/sketches-js';
import { Counter, Histogram, type Registry } from 'prom-client';
import { reasonClass } from '../model/dead-letter.js';
import { encodeIngestStatsRow, type IngestStatsRow } from '../model/ingest-stats-row.js';
import type { RecordFlag } from '../model/validation-policy.js';
import type { Logger } from '../ops/logger.js';
import { BackgroundAppender } from '../stream/background-appender.js';
import type { Stream } from '../stream/stream.js';

/** Counts of one vendor not yet in the Prometheus metrics. */
interface Unpublished {
  byStatus: Map<number, number>;
  records: number;
  offers: number;
  bytes: number;
  flagged: Map<string, number>;
  rejections: Map<string, number>;
  /** Seconds. */
  latencies: number[];
}

/** How often counts reach the Prometheus metrics when nobody scrapes. */
const PUBLISH_MS = 1000;

interface Bucket {
  requests: number;
  records: number;
  offers: number;
  inconsistentOffers: number;
  flaggedRecords: Map<string, number>;
  bytesIn: number;
  rejections: Map<string, number>;
  latency: DDSketch;
}

/** What one request did, for `IngestStats.observe`. */
export interface RequestObservation {
  vendor: string;
  status: number;
  bytesIn: number;
  records: number;
  offers: number;
  /** Offers flagged `amountsInconsistent` among `offers`; default 0. */
  inconsistentOffers?: number;
  /** Accepted records kept with a flag, per flag; default none. */
  flaggedRecords?: Readonly<Partial<Record<RecordFlag, number>>>;
  /** Reasons of rejected items, or the request-level reason (`unauthorized`, `backpressure`, ...). */
  rejections: readonly string[];
  latencyMs: number;
}

export class IngestStats {
  private period: number;
  private readonly periodMs: number;
  private buckets = new Map<string, Bucket>();
  private unpublished = new Map<string, Unpublished>();
  private timer: NodeJS.Timeout | undefined;
  private publishTimer: NodeJS.Timeout | undefined;
  /** Sends rows in the background, keeping them while the stats stream fails (disk full, NATS down). */
  private readonly out: BackgroundAppender | undefined;
  private readonly requests: Counter<'vendor' | 'status'>;
  private readonly records: Counter<'vendor'>;
  private readonly offers: Counter<'vendor'>;
  private readonly bytes: Counter<'vendor'>;
  private readonly rejections: Counter<'vendor' | 'reason'>;
  private readonly flagged: Counter<'vendor' | 'flag'>;
  private readonly latency: Histogram<'vendor'>;
  /** Totals since start, for logs. */
  readonly totals = { requests: 0, records: 0, offers: 0, rejected: 0, failedRequests: 0 };

  constructor(
    private readonly opts: {
      periodSeconds: number;
      registry: Registry;
      stream?: Stream;
      logger: Logger;
    },
  ) {
    this.periodMs = opts.periodSeconds * 1000;
    this.period = this.periodStart(Date.now());
    this.out = opts.stream
      ? new BackgroundAppender({ stream: opts.stream, logger: opts.logger, what: 'ingest stats' })
      : undefined;
    const registers = [opts.registry];
    // every metric publishes the pending counts before it is read, whichever is read first
    const collect = () => this.publish();
    this.requests = new Counter({
      name: 'faresight_ingest_requests_total',
      help: 'Ingest requests by vendor and HTTP status',
      labelNames: ['vendor', 'status'],
      registers,
      collect,
    });
    this.records = new Counter({
      name: 'faresight_ingest_records_total',
      help: 'Records accepted (durable in the stream)',
      labelNames: ['vendor'],
      registers,
      collect,
    });
    this.offers = new Counter({
      name: 'faresight_ingest_offers_total',
      help: 'Offers in accepted records',
      labelNames: ['vendor'],
      registers,
      collect,
    });
    this.bytes = new Counter({
      name: 'faresight_ingest_bytes_total',
      help: 'Request body bytes received (as sent)',
      labelNames: ['vendor'],
      registers,
      collect,
    });
    this.rejections = new Counter({
      name: 'faresight_ingest_rejections_total',
      help: 'Rejected items and requests by reason',
      labelNames: ['vendor', 'reason'],
      registers,
      collect,
    });
    this.flagged = new Counter({
      name: 'faresight_ingest_flagged_records_total',
      help: 'Records accepted with a flag (unknownAirport, amountsInconsistent) by vendor and flag',
      labelNames: ['vendor', 'flag'],
      registers,
      collect,
    });
    this.latency = new Histogram({
      name: 'faresight_ingest_ack_seconds',
      help: 'Time from request to acknowledgement',
      labelNames: ['vendor'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
      collect,
    });
  }

  private periodStart(t: number): number {
    const p = this.opts.periodSeconds * 1000;
    return t - (t % p);
  }

  /** Starts writing a stats row per vendor at the end of each period. */
  start(): void {
    this.timer = setInterval(() => this.roll(), Math.min(this.opts.periodSeconds * 1000, 10_000));
    this.timer.unref();
    this.publishTimer = setInterval(() => this.publish(), PUBLISH_MS);
    this.publishTimer.unref();
  }

  /**
   * Queues the rows of a finished period (with `force`, of the current one); never throws:
   * the appender keeps and retries what the stream refuses.
   */
  private roll(force = false): void {
    const now = this.periodStart(Date.now());
    if (!force && now === this.period) return;
    const rows = this.rows();
    this.buckets = new Map();
    this.period = now;
    this.out?.push(rows.map(statsAppend));
  }

  /**
   * Counts one request. On the hot path: plain counters only; the Prometheus metrics get
   * them on a timer and before every scrape (`publish`), so /metrics is never behind.
   */
  observe(o: RequestObservation): void {
    this.totals.requests++;
    this.totals.records += o.records;
    this.totals.offers += o.offers;
    this.totals.rejected += o.rejections.length;
    if (o.status >= 400) this.totals.failedRequests++;
    const now = Date.now();
    if (now - this.period >= this.periodMs) this.roll();
    let b = this.buckets.get(o.vendor);
    if (!b) {
      b = {
        requests: 0,
        records: 0,
        offers: 0,
        inconsistentOffers: 0,
        flaggedRecords: new Map(),
        bytesIn: 0,
        rejections: new Map(),
        latency: new DDSketch({ relativeAccuracy: 0.01 }),
      };
      this.buckets.set(o.vendor, b);
    }
    b.requests++;
    b.records += o.records;
    b.offers += o.offers;
    b.inconsistentOffers += o.inconsistentOffers ?? 0;
    b.bytesIn += o.bytesIn;
    b.latency.accept(Math.max(o.latencyMs, 0.001));
    let m = this.unpublished.get(o.vendor);
    if (!m) {
      m = {
        byStatus: new Map(),
        records: 0,
        offers: 0,
        bytes: 0,
        flagged: new Map(),
        rejections: new Map(),
        latencies: [],
      };
      this.unpublished.set(o.vendor, m);
    }
    m.byStatus.set(o.status, (m.byStatus.get(o.status) ?? 0) + 1);
    m.records += o.records;
    m.offers += o.offers;
    m.bytes += o.bytesIn;
    m.latencies.push(o.latencyMs / 1000);
    if (o.flaggedRecords) {
      for (const flag in o.flaggedRecords) {
        const n = o.flaggedRecords[flag as RecordFlag];
        if (!n) continue;
        b.flaggedRecords.set(flag, (b.flaggedRecords.get(flag) ?? 0) + n);
        m.flagged.set(flag, (m.flagged.get(flag) ?? 0) + n);
      }
    }
    for (const r of o.rejections) {
      const cls = reasonClass(r);
      b.rejections.set(cls, (b.rejections.get(cls) ?? 0) + 1);
      const metric = cls.replace(/:.*/, '');
      m.rejections.set(metric, (m.rejections.get(metric) ?? 0) + 1);
    }
    if (m.latencies.length >= 10_000) this.publish();
  }

  /** Adds what was counted since the last call to the Prometheus metrics. */
  private publish(): void {
    if (this.unpublished.size === 0) return;
    const pending = this.unpublished;
    this.unpublished = new Map();
    for (const [vendor, m] of pending) {
      for (const [status, n] of m.byStatus)
        this.requests.inc({ vendor, status: String(status) }, n);
      if (m.records) this.records.inc({ vendor }, m.records);
      if (m.offers) this.offers.inc({ vendor }, m.offers);
      this.bytes.inc({ vendor }, m.bytes);
      for (const [flag, n] of m.flagged) this.flagged.inc({ vendor, flag }, n);
      for (const [reason, n] of m.rejections) this.rejections.inc({ vendor, reason }, n);
      const h = this.latency.labels({ vendor });
      for (const s of m.latencies) h.observe(s);
    }
  }

  /** Rows of the current period (for tests and the final flush). */
  rows(): IngestStatsRow[] {
    const host = hostname();
    return [...this.buckets].map(([vendor, b]) => ({
      id: `${host}-${process.pid}-${vendor}-${this.period}`,
      vendor,
      periodStart: new Date(this.period).toISOString(),
      periodSeconds: this.opts.periodSeconds,
      host,
      pid: process.pid,
      requests: b.requests,
      records: b.records,
      offers: b.offers,
      inconsistentOffers: b.inconsistentOffers,
      flaggedRecords: Object.fromEntries(b.flaggedRecords),
      bytesIn: b.bytesIn,
      rejections: Object.fromEntries(b.rejections),
      latencyP50Ms: b.latency.count ? round(b.latency.getValueAtQuantile(0.5)) : null,
      latencyP99Ms: b.latency.count ? round(b.latency.getValueAtQuantile(0.99)) : null,
    }));
  }

  /**
   * Writes the rows of a finished period (or, with `force`, the current one) and any rows
   * still waiting from earlier failures to the stats stream. Rejects when the stream fails;
   * the rows stay queued and are retried in the background.
   */
  async flush(force = false): Promise<void> {
    this.roll(force);
    await this.out?.flush();
  }

  /** Stops the timer and writes what is left; logs, never rejects, when the stream fails. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.publishTimer) clearInterval(this.publishTimer);
    this.timer = undefined;
    this.publishTimer = undefined;
    this.publish();
    this.roll(true);
    await this.out?.close();
  }
}

function statsAppend(r: IngestStatsRow) {
  return {
    key: r.vendor,
    id: r.id,
    data: encodeIngestStatsRow(r),
    timestamp: Date.parse(r.periodStart),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
