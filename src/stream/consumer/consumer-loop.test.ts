/**
 * The consumer loop's bisection blames a record only for a fault of the record: a failure
 * that comes and goes while a batch is halved (a database restarting, a disk filling and
 * freeing) dead-letters nothing, and a record that keeps failing alone still does. It
 * shares the event loop of a process that serves requests (`up`): a large batch is
 * decoded in slices, with turns of the event loop between them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../ops/logger.js';
import type { EmbeddedStream } from '../embedded/embedded-stream.js';
import { openTestStream } from '../embedded/testing/test-streams.js';
import type { Batch, Consumer, StreamRecord } from '../stream.js';
import {
  type ConsumerSink,
  type LoopStats,
  type Rejected,
  runConsumerLoop,
} from './consumer-loop.js';
import { newLoopStats } from './consumer-sink.js';

let root: string;
let n = 0;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'faresight-loop-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const IDS = Array.from({ length: 8 }, (_, i) => `r${i}`);

/** Runs the loop over IDS on one shard with `process` until every record is accounted for. */
async function runOver(process: (ids: readonly string[]) => Promise<void>) {
  const stream: EmbeddedStream = await openTestStream(join(root, `s${n++}`), 'shopping', {
    shards: 1,
  });
  await stream.append(IDS.map((id) => ({ key: 'k', id, data: Buffer.from(id) })));
  const applied = new Set<string>();
  const deadLetters: Rejected[] = [];
  const sink: ConsumerSink<string> = {
    decode: (data) => Buffer.from(data).toString(),
    process: async (ids) => {
      await process(ids);
      for (const id of ids) applied.add(id);
    },
    isPermanent: () => false,
    deadLetter: async (entries) => {
      deadLetters.push(...entries);
    },
  };
  const stats: LoopStats = freshStats();
  const ac = new AbortController();
  const loop = runConsumerLoop({
    sink,
    openConsumer: () => stream.consumer('g', { count: 100, bytes: 1 << 20, periodMs: 5 }),
    stats,
    signal: ac.signal,
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    attemptsBeforeBisect: 1,
    logger: silentLogger,
  });
  for (let i = 0; i < 2000 && applied.size + deadLetters.length < IDS.length; i++)
    await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await loop;
  await stream.close();
  return { applied, deadLetters: deadLetters.map((d) => d.raw.id) };
}

test('a failure that goes away while the batch is halved dead-letters nothing', async () => {
  // The whole batch fails, then each half down to the first single record, then the cause
  // is gone: the first record failed alone once, while the others were applied.
  let failuresLeft = 4;
  const { applied, deadLetters } = await runOver(async () => {
    if (failuresLeft-- > 0) throw new Error('database or disk is full');
  });
  assert.deepEqual(deadLetters, [], 'no record is blamed for a passing failure');
  assert.deepEqual([...applied].sort(), IDS);
});

test('a record that fails every time alone is still dead-lettered', async () => {
  const { applied, deadLetters } = await runOver(async (ids) => {
    if (ids.includes('r5')) throw new Error('value out of range');
  });
  assert.deepEqual(deadLetters, ['r5']);
  assert.deepEqual(
    [...applied].sort(),
    IDS.filter((id) => id !== 'r5'),
  );
});

function freshStats(): LoopStats {
  return newLoopStats('g');
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
    stats: freshStats(),
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
