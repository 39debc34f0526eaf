/**
 * Vendor traffic for the fault scenarios: one valid generic record per POST, each with a
 * unique id, at a steady rate, remembering what ingest acknowledged (202) and when each
 * answer came, so a scenario can tell lost records and time to recover.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { searchRecord } from '../../model/search-record.js';
import type { ShoppingRecord } from '../../model/shopping-record.js';

/** A valid record shopped now, departing in 30 days, on `origin`-`destination`. */
export function liveRecord(id: string, origin = 'BOS', destination = 'LAX'): ShoppingRecord {
  const now = new Date();
  const dep = new Date(now.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
  return searchRecord({
    id,
    receivedAt: now.toISOString(),
    pos: 'US',
    origin,
    destination,
    departureDate: dep,
    offers: [
      {
        carrier: 'AA',
        amount: 150 + (id.length % 50),
        segment: { departAt: `${dep}T08:00`, arriveAt: `${dep}T11:30` },
      },
    ],
  });
}

/** One answer of ingest. */
export interface Answer {
  at: number;
  status: number;
  retryAfter: boolean;
}

/** A running vendor; `stop()` waits for the request in flight. */
export class Load {
  readonly acked = new Set<string>();
  readonly answers: Answer[] = [];
  private n = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Market of the records posted from now on. */
  market: [string, string] = ['BOS', 'LAX'];

  constructor(
    private readonly ingestUrl: string,
    private readonly prefix: string,
    private readonly perSecond = 40,
  ) {}

  start(): this {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.postOne();
        await delay(1000 / this.perSecond);
      }
    })();
    return this;
  }

  /** Posts one record; resolves its status (0 when no HTTP answer came). */
  async postOne(record?: ShoppingRecord): Promise<number> {
    const rec = record ?? liveRecord(`${this.prefix}-${this.n++}`, ...this.market);
    let status = 0;
    let retryAfter = false;
    try {
      const res = await fetch(`${this.ingestUrl}/v1/ingest/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rec),
        signal: AbortSignal.timeout(15_000),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after') !== null;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    if (status === 202) this.acked.add(rec.id);
    this.answers.push({ at: Date.now(), status, retryAfter });
    return status;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Answers by status after `since` (epoch ms). */
  counts(since = 0): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.answers) if (a.at >= since) out[a.status] = (out[a.status] ?? 0) + 1;
    return out;
  }

  /** Epoch ms of the first 202 at or after `since`, if any. */
  firstAckAfter(since: number): number | undefined {
    return this.answers.find((a) => a.at >= since && a.status === 202)?.at;
  }

  /** Answers other than 202 that are not a 503 with Retry-After (what a vendor cannot act on). */
  unexpected(): number {
    return this.answers.filter((a) => a.status !== 202 && !(a.status === 503 && a.retryAfter))
      .length;
  }
}
