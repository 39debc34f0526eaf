import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, DEFAULT_RETRY_POLICY, sleep } from './backoff.js';
import { runWithRetry } from './retry.js';

describe('backoffDelay', () => {
  it('doubles from the first delay, capped, with the upper half jittered', () => {
    const policy = { initialDelayMs: 100, maxDelayMs: 1000 };
    const low = (n: number) => backoffDelay(n, policy, () => 0);
    const high = (n: number) => backoffDelay(n, policy, () => 1);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(low), [50, 100, 200, 400, 500, 500]);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(high), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(
      backoffDelay(1, DEFAULT_RETRY_POLICY, () => 1),
      200,
    );
  });
});

describe('sleep', () => {
  it('resolves at once when its signal aborts, and never rejects', async () => {
    const ac = new AbortController();
    const slept = sleep(60_000, ac.signal);
    ac.abort();
    await slept;
    await sleep(60_000, AbortSignal.abort());
  });
});

describe('runWithRetry', () => {
  it('retries until an attempt resolves, passing the attempt number', async () => {
    const seen: number[] = [];
    const v = await runWithRetry(
      async (n) => {
        seen.push(n);
        if (n < 3) throw new Error(`fail ${n}`);
        return 'ok';
      },
      { attempts: 5, retryDelayMs: 1 },
    );
    assert.equal(v, 'ok');
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('rethrows the last error after the attempts', async () => {
    let calls = 0;
    await assert.rejects(
      runWithRetry(
        async (n) => {
          calls++;
          throw new Error(`fail ${n}`);
        },
        { attempts: 3, retryDelayMs: 1 },
      ),
      /fail 3/,
    );
    assert.equal(calls, 3);
  });

  it('rethrows at once an error that is not retryable', async () => {
    let calls = 0;
    await assert.rejects(
      runWithRetry(
        async () => {
          calls++;
          throw new RangeError('bad input');
        },
        { attempts: 5, retryDelayMs: 1, retryable: (e) => !(e instanceof RangeError) },
      ),
      RangeError,
    );
    assert.equal(calls, 1);
  });

  it('gives up after the current attempt once aborted, without waiting out the delay', async () => {
    const ac = new AbortController();
    let calls = 0;
    await assert.rejects(
      runWithRetry(
        async () => {
          calls++;
          setImmediate(() => ac.abort());
          throw new Error('down');
        },
        { attempts: 10, retryDelayMs: 600_000, signal: ac.signal },
      ),
      /down/,
    );
    assert.equal(calls, 1);
  });
});
