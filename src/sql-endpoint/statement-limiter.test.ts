import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TooManyStatementsError } from './errors.js';
import { StatementLimiter } from './statement-limiter.js';

/** A statement that runs until `finish()`. */
function gate(): { promise: Promise<void>; finish: () => void } {
  let finish = () => {};
  const promise = new Promise<void>((r) => {
    finish = r;
  });
  return { promise, finish };
}

describe('per-customer statement slots', () => {
  it('runs up to the limit at once, queues the next in order, refuses beyond the queue', async () => {
    const l = new StatementLimiter({ maxConcurrent: 2, maxQueued: 1, queueWaitMs: 60_000 });
    const started: number[] = [];
    const gates = [gate(), gate(), gate()];
    const runs = gates.map((g, i) =>
      l.run('acme', async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(l.load('acme'), { running: 2, queued: 1 });
    await assert.rejects(
      l.run('acme', async () => 'never'),
      (err: unknown) => {
        assert.ok(err instanceof TooManyStatementsError);
        assert.equal(err.sqlState, '53300');
        assert.equal(err.retryAfterMs, 60_000);
        assert.match(err.message, /acme: 2 run at a time and 1 more are already waiting/);
        return true;
      },
    );
    // Another customer is not held back by acme's slots.
    assert.equal(await l.run('globex', async () => 'globex ran'), 'globex ran');
    gates[0]!.finish();
    assert.equal(await runs[0], 0);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1, 2]);
    gates[1]!.finish();
    gates[2]!.finish();
    assert.deepEqual(await Promise.all(runs), [0, 1, 2]);
    assert.deepEqual(l.load('acme'), { running: 0, queued: 0 });
  });

  it('frees the slot of a statement that failed', async () => {
    const l = new StatementLimiter({ maxConcurrent: 1, maxQueued: 0 });
    await assert.rejects(
      l.run('acme', async () => {
        throw new Error('bad SQL');
      }),
      /bad SQL/,
    );
    assert.equal(await l.run('acme', async () => 'next'), 'next');
  });

  it('fails a statement that waited longer than the queue wait, and keeps the rest in order', async () => {
    const l = new StatementLimiter({ maxConcurrent: 1, maxQueued: 2, queueWaitMs: 50 });
    const g = gate();
    const first = l.run('acme', () => g.promise);
    await assert.rejects(
      l.run('acme', async () => 'late'),
      /waited 50 ms for a turn/,
    );
    assert.deepEqual(l.load('acme'), { running: 1, queued: 0 });
    g.finish();
    await first;
    assert.equal(await l.run('acme', async () => 'after'), 'after');
  });
});
