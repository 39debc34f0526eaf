/**
 * Per-customer statement slots, shared by the wire endpoint and `POST /v1/sql`: a
 * customer runs at most `maxConcurrent` statements at once; up to `maxQueued` more wait
 * (first come, first served) at most `queueWaitMs` each; anything beyond fails at once
 * with TooManyStatementsError (SQLSTATE 53300, HTTP 429 with Retry-After). One customer's
 * burst therefore queues behind its own statements, never behind everyone's.
 */
import type { CustomerSession, SessionResult } from './customer-session.js';
import { TooManyStatementsError } from './errors.js';
import type { SessionOpener } from './session-opener.js';

/** Defaults (config sql.maxConcurrentPerCustomer, maxQueuedPerCustomer, queueWaitMs). */
export const DEFAULT_MAX_CONCURRENT_PER_CUSTOMER = 2;
export const DEFAULT_MAX_QUEUED_PER_CUSTOMER = 4;
export const DEFAULT_QUEUE_WAIT_MS = 5000;

/** Settings of a StatementLimiter; defaults in brackets. */
export interface StatementLimits {
  /** [DEFAULT_MAX_CONCURRENT_PER_CUSTOMER] */
  maxConcurrent?: number;
  /** [DEFAULT_MAX_QUEUED_PER_CUSTOMER] */
  maxQueued?: number;
  /** [DEFAULT_QUEUE_WAIT_MS] */
  queueWaitMs?: number;
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

interface Slots {
  running: number;
  queue: Waiter[];
}

export class StatementLimiter {
  private readonly customers = new Map<string, Slots>();
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  readonly queueWaitMs: number;

  constructor(limits: StatementLimits = {}) {
    this.maxConcurrent = limits.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_PER_CUSTOMER;
    this.maxQueued = limits.maxQueued ?? DEFAULT_MAX_QUEUED_PER_CUSTOMER;
    this.queueWaitMs = limits.queueWaitMs ?? DEFAULT_QUEUE_WAIT_MS;
  }

  /** Runs `fn` in one of `customer`'s slots; throws TooManyStatementsError without running it. */
  async run<T>(customer: string, fn: () => Promise<T>): Promise<T> {
    await this.acquire(customer);
    try {
      return await fn();
    } finally {
      this.releaseSlot(customer);
    }
  }

  /** Statements of `customer` running and waiting now. */
  load(customer: string): { running: number; queued: number } {
    const s = this.customers.get(customer);
    return { running: s?.running ?? 0, queued: s?.queue.length ?? 0 };
  }

  private acquire(customer: string): Promise<void> {
    let s = this.customers.get(customer);
    if (!s) {
      s = { running: 0, queue: [] };
      this.customers.set(customer, s);
    }
    if (s.running < this.maxConcurrent) {
      s.running++;
      return Promise.resolve();
    }
    if (s.queue.length >= this.maxQueued)
      return Promise.reject(
        new TooManyStatementsError(
          customer,
          this.maxConcurrent,
          this.queueWaitMs,
          `${this.maxQueued} more are already waiting`,
        ),
      );
    const slots = s;
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        start: () => {
          clearTimeout(w.timer);
          resolve();
        },
        timer: setTimeout(() => {
          slots.queue.splice(slots.queue.indexOf(w), 1);
          this.tidy(customer, slots);
          reject(
            new TooManyStatementsError(
              customer,
              this.maxConcurrent,
              this.queueWaitMs,
              `this statement waited ${this.queueWaitMs} ms for a turn`,
            ),
          );
        }, this.queueWaitMs),
      };
      slots.queue.push(w);
    });
  }

  private releaseSlot(customer: string): void {
    const s = this.customers.get(customer);
    if (!s) return;
    const next = s.queue.shift();
    // The slot passes straight to the next waiter: running stays the same.
    if (next) next.start();
    else s.running--;
    this.tidy(customer, s);
  }

  private tidy(customer: string, s: Slots): void {
    if (s.running === 0 && s.queue.length === 0) this.customers.delete(customer);
  }
}

/** Wraps `open` so that every statement of its sessions takes a slot of `limiter`. */
export function limitedSessions(open: SessionOpener, limiter: StatementLimiter): SessionOpener {
  return async (customer) => {
    const s = await open(customer);
    return {
      customer: s.customer,
      get relations() {
        return s.relations;
      },
      query: (sql): Promise<SessionResult> => limiter.run(customer, () => s.query(sql)),
      materialize: (sql, file, signal) =>
        limiter.run(customer, () => s.materialize(sql, file, signal)),
      close: () => s.close(),
    } satisfies CustomerSession;
  };
}
