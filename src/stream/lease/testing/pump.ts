/** Helpers of the leased-consumer tests on every backend. */
import assert from 'node:assert/strict';
import type { LeasedConsumer } from '../leased-consumer.js';

/** Polls `cond` every 20 ms; fails naming `what` after `maxMs` (a hang guard, not a timing check). */
export async function waitFor(cond: () => boolean, what: string, maxMs = 60_000): Promise<void> {
  const until = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Reads and commits in the background until stopped; collects the ids it committed. */
export function pump(c: LeasedConsumer) {
  const committed: string[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const b = await c.read();
      if (b.records.length === 0) continue;
      await c.commit(b);
      committed.push(...b.records.map((r) => r.id));
    }
  })();
  return {
    committed,
    async stop() {
      stop = true;
      await done;
    },
  };
}
