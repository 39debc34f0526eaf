/**
 * The consumer loop shares the event loop of a process that serves requests (`up`): a
 * large batch is decoded in slices, with turns of the event loop between them, so a
 * request waits about one slice, not the whole batch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../ops/logger.js';
import type { Batch, Consumer, StreamRecord } from '../stream.js';
import { type LoopStats, runConsumerLoop } from './consumer-loop.js';

function stats(): LoopStats {
  return {
    group: 'g',
    batches: 0,
    records: 0,
    decodeErrors: 0,
    deadLetters: 0,
    failures: 0,
    restarts: 0,
    lastError: undefined,
    lastCommitAt: undefined,
  };
}

/** A consumer that delivers `batch` once, then waits until aborted. */
function oneBatch(batch: Batch, committed: () => void): Consumer {
  let given = false;
  return {
    group: 'g',
    async read(signal) {
      if (!given) {
        given = true;
        return batch;
      }
      await new Promise((r) => signal?.addEventListener('abort', r, { once: true }));
      return { records: [], bytes: 0, lastSeq: new Map() };
    },
    async commit() {
      committed();
    },
    reset() {},
    async close() {},
  };
}

test('a large batch is decoded in slices: the event loop turns while it is decoded', async () => {
  const records: StreamRecord[] = Array.from({ length: 200 }, (_, i) => ({
    shard: 0,
    seq: i,
    key: 'k',
    id: `r${i}`,
    data: new Uint8Array([i % 256]),
    timestamp: 0,
  }));
  const batch: Batch = { records, bytes: 200, lastSeq: new Map([[0, 199]]) };
  // counts turns of the event loop (setImmediate runs once per turn)
  let turns = 0;
  let counting = true;
  const tick = () => {
    turns++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  const turnsAtDecode: number[] = [];
  const abort = new AbortController();
  let processed = 0;
  const done = runConsumerLoop<number>({
    sink: {
      decode(data) {
        turnsAtDecode.push(turns);
        // 1 ms of work per record: 200 ms for the batch, as decoding a real batch can take
        const until = performance.now() + 1;
        while (performance.now() < until) {}
        return data[0]!;
      },
      async process(values) {
        processed += values.length;
      },
      isPermanent: () => false,
    },
    openConsumer: async () => oneBatch(batch, () => abort.abort()),
    stats: stats(),
    signal: abort.signal,
    retry: { initialDelayMs: 1, maxDelayMs: 10 },
    attemptsBeforeBisect: 3,
    logger: silentLogger,
  });
  await done;
  counting = false;
  assert.equal(processed, 200);
  const during = turnsAtDecode.at(-1)! - turnsAtDecode[0]!;
  assert.ok(
    during >= 5,
    `the event loop turned ${during} times while 200 ms of records were decoded`,
  );
});
