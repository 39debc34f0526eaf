/**
 * A feed sink posting batches to Faresight ingest (`POST <target>/v1/ingest/<vendor>`,
 * a JSON array per request) with global fetch, which keeps connections alive.
 *
 * Delivery: 429 and 503 are retried after `Retry-After`; network errors (ingest not up
 * yet) and other 5xx are retried with exponential backoff, network errors until the feed
 * is stopped. 401, 403 and 404 cannot be fixed by retrying and raise FeedRejectedError.
 * Any other 4xx counts the batch as failed. A batch still waiting for a retry when the
 * feed stops is counted as failed, never dropped silently.
 */

import type { ShoppingRecord } from '../model/shopping-record.js';
import type { Logger } from '../ops/logger.js';
import { FeedRejectedError } from './errors.js';
import type { FeedCounters, FeedSink } from './feed-sink.js';

/** Requests in flight at once. */
export const DEFAULT_MAX_IN_FLIGHT = 4;
/** Longest wait honoured from a Retry-After header, ms. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Wait when a 429/503 carries no usable Retry-After, ms. */
export const DEFAULT_RETRY_AFTER_MS = 1000;
/** Backoff after a network error doubles from this up to the maximum, ms. */
export const BACKOFF_MS: readonly [number, number] = [200, 5000];
/** Attempts at a batch answered with 5xx other than 503 before it counts as failed. */
export const MAX_SERVER_ERROR_ATTEMPTS = 5;
/** A single request is abandoned (and retried) after this long, ms. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface IngestSinkOptions {
  /** Base URL, e.g. `http://127.0.0.1:7070`. */
  target: string;
  vendor: string;
  token?: string;
  maxInFlight?: number;
  /** Aborted when the feed stops: waits for retries end and pending batches count as failed. */
  stopping: AbortSignal;
  /** Aborted when in-flight requests must be cut off (some time after `stopping`). */
  hardStop: AbortSignal;
  logger?: Logger;
}

/** Parses Retry-After (delta seconds or an HTTP date) to ms, capped; undefined if absent or bad. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/** Resolves after `ms`, or early (false) when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class IngestSink implements FeedSink {
  readonly concurrency: number;
  readonly url: string;
  private readonly headers: Record<string, string>;
  private lastNetworkWarning = 0;

  constructor(
    private readonly opts: IngestSinkOptions,
    private readonly counters: FeedCounters,
  ) {
    this.concurrency = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.url = `${opts.target.replace(/\/+$/, '')}/v1/ingest/${encodeURIComponent(opts.vendor)}`;
    this.headers = { 'content-type': 'application/json' };
    if (opts.token) this.headers.authorization = `Bearer ${opts.token}`;
  }

  async write(batch: readonly ShoppingRecord[]): Promise<void> {
    const body = JSON.stringify(batch);
    const log = this.opts.logger;
    let backoff = BACKOFF_MS[0];
    let serverErrors = 0;
    for (;;) {
      let res: Response;
      try {
        res = await fetch(this.url, {
          method: 'POST',
          headers: this.headers,
          body,
          signal: AbortSignal.any([this.opts.hardStop, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
        });
      } catch (err) {
        if (this.opts.hardStop.aborted || this.opts.stopping.aborted) {
          this.counters.failed += batch.length;
          return;
        }
        const now = Date.now();
        if (now - this.lastNetworkWarning > 10_000) {
          this.lastNetworkWarning = now;
          log?.warn('ingest not reachable, retrying', {
            url: this.url,
            error: (err as Error).cause ? String((err as Error).cause) : (err as Error).message,
          });
        }
        if (!(await sleep(backoff, this.opts.stopping))) {
          this.counters.failed += batch.length;
          return;
        }
        backoff = Math.min(backoff * 2, BACKOFF_MS[1]);
        continue;
      }
      const status = res.status;
      if (status >= 200 && status < 300) {
        const answer = (await res.json().catch(() => undefined)) as
          | { accepted?: unknown; rejected?: unknown }
          | undefined;
        const rejected = Array.isArray(answer?.rejected) ? answer.rejected.length : 0;
        const accepted =
          typeof answer?.accepted === 'number' ? answer.accepted : batch.length - rejected;
        this.counters.sent += batch.length;
        this.counters.accepted += accepted;
        this.counters.failed += rejected;
        return;
      }
      const text = await res.text().catch(() => '');
      if (status === 429 || status === 503) {
        const wait = parseRetryAfter(res.headers.get('retry-after')) ?? DEFAULT_RETRY_AFTER_MS;
        log?.debug('ingest asked to retry later', { status, waitMs: wait });
        if (!(await sleep(wait, this.opts.stopping))) {
          this.counters.failed += batch.length;
          return;
        }
        continue;
      }
      if (status === 401 || status === 403 || status === 404) {
        this.counters.failed += batch.length;
        throw new FeedRejectedError(this.url, status, text);
      }
      if (status >= 500 && ++serverErrors < MAX_SERVER_ERROR_ATTEMPTS) {
        log?.warn('ingest error, retrying', { status, body: text.slice(0, 200) });
        if (!(await sleep(backoff, this.opts.stopping))) {
          this.counters.failed += batch.length;
          return;
        }
        backoff = Math.min(backoff * 2, BACKOFF_MS[1]);
        continue;
      }
      log?.warn('ingest refused a batch', {
        status,
        records: batch.length,
        body: text.slice(0, 300),
      });
      this.counters.failed += batch.length;
      return;
    }
  }

  async close(): Promise<void> {}
}
