import { backoffDelay, sleep } from './backoff.js';

/** Options of runWithRetry. */
export interface RetryOptions {
  /** Attempts in all (1 = no retry). */
  attempts: number;
  /** First delay; doubles per attempt, capped at 5 minutes. */
  retryDelayMs: number;
  /** Aborting stops waiting and gives up after the current attempt. */
  signal?: AbortSignal;
  /** False for an error that must not be retried (it is rethrown at once); default: every error is retried. */
  retryable?: (err: unknown) => boolean;
}

/**
 * Calls `attempt(n)` for n = 1.. until it resolves, waiting with exponential backoff in
 * between; rethrows the last error, or at once an error `retryable` refuses.
 */
export async function runWithRetry<T>(
  attempt: (n: number) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (opts.retryable?.(err) === false || n >= opts.attempts || opts.signal?.aborted) throw err;
      await sleep(
        backoffDelay(n, { initialDelayMs: opts.retryDelayMs, maxDelayMs: 300_000 }),
        opts.signal,
      );
      if (opts.signal?.aborted) throw err;
    }
  }
}
