import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst of one second, then waits per token, per key', () => {
    let now = 0;
    const limiter = new RateLimiter(4, () => now);
    assert.deepEqual(
      Array.from({ length: 4 }, () => limiter.take('acme')),
      [0, 0, 0, 0],
    );
    assert.equal(limiter.take('acme'), 250, 'a fifth request waits for one token at 4/s');
    assert.equal(limiter.take('globex'), 0, 'another key has its own bucket');
    now += 250;
    assert.equal(limiter.take('acme'), 0);
    assert.ok(limiter.take('acme') > 0);
  });

  it('refills to at most one second worth of tokens', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    limiter.take('k');
    now += 60_000;
    assert.deepEqual([limiter.take('k'), limiter.take('k')], [0, 0]);
    assert.equal(limiter.take('k'), 500);
  });
});
