/**
 * Appends that nobody waits for (statistics rows, side records written on a timer) made
 * safe against a failing stream: records are queued, sent in order, and kept until the
 * stream says they are durable; a failed send is retried with capped exponential backoff
 * (one warning when the stream fails, one info line when it takes records again). `push`
 * never throws and nothing is left as an unhandled rejection. Records carry ids, so a
 * send that partly landed before failing is deduplicated by the stream on the retry.
 */

import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from '../ops/backoff.js';
import type { Logger } from '../ops/logger.js';
import type { AppendRecord, Stream } from './stream.js';

/** Records kept while the stream fails before the oldest are dropped (and counted) [100,000]. */
export const DEFAULT_MAX_QUEUED = 100_000;
/** Records per append call. */
const SEND_CHUNK = 1000;

/** Options of BackgroundAppender; defaults in brackets. */
export interface BackgroundAppenderOptions {
  stream: Stream;
  logger: Logger;
  /** What is appended, for logs (`ingest stats`). */
  what: string;
  /** Delays between failed sends [DEFAULT_RETRY_POLICY: 200 ms doubling to 30 s]. */
  retry?: RetryPolicy;
  /** Queue bound [DEFAULT_MAX_QUEUED]; past it the oldest records are dropped and counted in `dropped`. */
  maxQueued?: number;
}

export class BackgroundAppender {
  private queue: AppendRecord[] = [];
  private sending: Promise<void> | undefined;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Records dropped because the queue was full (the stream failed for too long). */
  dropped = 0;
  /** Message of the latest failed send, until a send succeeds. */
  lastError: string | undefined;

  constructor(private readonly opts: BackgroundAppenderOptions) {}

  /** Records waiting to be sent (or being sent). */
  get queued(): number {
    return this.queue.length;
  }

  /** Queues `records` and starts sending them unless a retry is already scheduled. Never throws. */
  push(records: readonly AppendRecord[]): void {
    if (records.length === 0) return;
    this.queue.push(...records);
    const max = this.opts.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (this.queue.length > max) {
      const over = this.queue.length - max;
      this.queue.splice(0, over);
      this.dropped += over;
      this.opts.logger.error(`${this.opts.what}: queue full, oldest records dropped`, {
        dropped: over,
        droppedTotal: this.dropped,
      });
    }
    if (!this.timer) void this.send();
  }

  /**
   * Sends everything queued now (waiting for a send in flight first). Resolves when the
   * queue is empty; rejects with the stream's error when a send fails (the records stay
   * queued and the retry schedule goes on).
   */
  async flush(): Promise<void> {
    if (this.sending) await this.sending;
    if (this.queue.length === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.send();
    if (this.queue.length > 0)
      throw new Error(
        `${this.opts.what}: ${this.queue.length} records not written: ${this.lastError}`,
      );
  }

  /** Tries a last flush, stops retrying, and logs what could not be written. Never rejects. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      this.opts.logger.error(`${this.opts.what}: records not written at stop`, {
        records: this.queue.length,
        error: (err as Error).message,
      });
    }
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Starts a pass over the queue unless one is running; the promise never rejects. */
  private send(): Promise<void> {
    if (!this.sending) {
      const pass: Promise<void> = this.sendAll().finally(() => {
        if (this.sending === pass) this.sending = undefined;
      });
      this.sending = pass;
    }
    return this.sending;
  }

  private async sendAll(): Promise<void> {
    let chunk: AppendRecord[] = [];
    try {
      while (this.queue.length > 0) {
        chunk = this.queue.splice(0, SEND_CHUNK);
        await this.opts.stream.append(chunk);
        chunk = [];
      }
      if (this.failures > 0)
        this.opts.logger.info(`${this.opts.what}: stream writable again`, {
          failedAttempts: this.failures,
        });
      this.failures = 0;
      this.lastError = undefined;
    } catch (err) {
      // Back to the front, in order: the retry sends them first.
      this.queue.unshift(...chunk);
      this.failures++;
      this.lastError = (err as Error).message;
      const delayMs = backoffDelay(this.failures, this.opts.retry ?? DEFAULT_RETRY_POLICY);
      if (this.failures === 1 || this.failures % 10 === 0)
        this.opts.logger.warn(`${this.opts.what}: append failed, retrying`, {
          attempt: this.failures,
          queued: this.queue.length,
          inMs: delayMs,
          error: this.lastError,
        });
      if (!this.closed) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.send();
        }, delayMs);
        this.timer.unref();
      }
    }
  }
}
