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
  private buckets = new Map<string, Bucket>();
  private timer: NodeJS.Timeout | undefined;
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
    this.period = this.periodStart(Date.now());
    this.out = opts.stream
      ? new BackgroundAppender({ stream: opts.stream, logger: opts.logger, what: 'ingest stats' })
      : undefined;
    const registers = [opts.registry];
    this.requests = new Counter({
      name: 'faresight_ingest_requests_total',
      help: 'Ingest requests by vendor and HTTP status',
      labelNames: ['vendor', 'status'],
      registers,
    });
    this.records = new Counter({
      name: 'faresight_ingest_records_total',
      help: 'Records accepted (durable in the stream)',
      labelNames: ['vendor'],
      registers,
    });
    this.offers = new Counter({
      name: 'faresight_ingest_offers_total',
      help: 'Offers in accepted records',
      labelNames: ['vendor'],
      registers,
    });
    this.bytes = new Counter({
      name: 'faresight_ingest_bytes_total',
      help: 'Request body bytes received (as sent)',
      labelNames: ['vendor'],
      registers,
    });
    this.rejections = new Counter({
      name: 'faresight_ingest_rejections_total',
      help: 'Rejected items and requests by reason',
      labelNames: ['vendor', 'reason'],
      registers,
    });
    this.flagged = new Counter({
      name: 'faresight_ingest_flagged_records_total',
      help: 'Records accepted with a flag (unknownAirport, amountsInconsistent) by vendor and flag',
      labelNames: ['vendor', 'flag'],
      registers,
    });
    this.latency = new Histogram({
      name: 'faresight_ingest_ack_seconds',
      help: 'Time from request to acknowledgement',
      labelNames: ['vendor'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
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

  observe(o: RequestObservation): void {
    this.totals.requests++;
    this.totals.records += o.records;
    this.totals.offers += o.offers;
    this.totals.rejected += o.rejections.length;
    if (o.status >= 400) this.totals.failedRequests++;
    const now = Date.now();
    if (this.periodStart(now) !== this.period) this.roll();
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
    this.requests.inc({ vendor: o.vendor, status: String(o.status) });
    if (o.records) this.records.inc({ vendor: o.vendor }, o.records);
    if (o.offers) this.offers.inc({ vendor: o.vendor }, o.offers);
    this.bytes.inc({ vendor: o.vendor }, o.bytesIn);
    for (const [flag, n] of Object.entries(o.flaggedRecords ?? {})) {
      if (!n) continue;
      b.flaggedRecords.set(flag, (b.flaggedRecords.get(flag) ?? 0) + n);
      this.flagged.inc({ vendor: o.vendor, flag }, n);
    }
    for (const r of o.rejections) {
      const cls = reasonClass(r);
      b.rejections.set(cls, (b.rejections.get(cls) ?? 0) + 1);
      this.rejections.inc({ vendor: o.vendor, reason: cls.replace(/:.*/, '') });
    }
    this.latency.observe({ vendor: o.vendor }, o.latencyMs / 1000);
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
    this.timer = undefined;
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
