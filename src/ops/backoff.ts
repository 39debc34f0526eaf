/** Delays between retries of a failing batch, read or commit; defaults in brackets. */
export interface RetryPolicy {
  /** First delay [200 ms]. */
  initialDelayMs: number;
  /** Ceiling of the delay [30 s]. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 30_000 };

/**
 * Delay before retry number `attempt` (1-based): exponential from initialDelayMs, capped
 * at maxDelayMs, with the upper half jittered so that many consumers failing together do
 * not retry in lockstep.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
