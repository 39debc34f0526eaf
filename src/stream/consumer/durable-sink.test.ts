/**
 * The consumer loop with a sink that holds records past `process` (the lake writer's
 * way): a batch is committed only once none of its records is held, in order; what the
 * sink cannot make durable at stop is not committed and the stop fails; a sink fenced
 * (a refused publish) drops what it holds, and the batches are read again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../ops/logger.js';
import type { EmbeddedStream } from '../embedded/embedded-stream.js';
import { openTestStream } from '../embedded/testing/test-streams.js';
import { FencedError } from '../lease/lease-store.js';
import type { StreamRecord } from '../stream.js';
import { type ConsumerSink, runConsumerLoop } from './consumer-loop.js';
import { newLoopStats } from './consumer-sink.js';
import type { DurableSink } from './durable-sink.js';

let root: string;
let n = 0;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'faresight-durable-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

interface Item {
  id: string;
  shard: number;
  seq: number;
}

/** Holds what it processes until `durableTo` (a seq of shard 0) or a drain or flush covers it. */
class HoldingSink implements ConsumerSink<Item>, DurableSink {
  readonly durable: DurableSink = this;
  held: Item[] = [];
  /** Every record processed, in order (a record read again is there again). */
  readonly processed: string[] = [];
  readonly stored = new Set<string>();
  durableTo = -1;
  /** Thrown by the next `advance` (a publish the lease refused). */
  fenceNext: FencedError | undefined;
  /** Thrown by `flush` (a file that cannot be written at stop). */
  flushError: Error | undefined;
  fences = 0;

  decode(data: Uint8Array, rec: StreamRecord): Item {
    return { id: Buffer.from(data).toString(), shard: rec.shard, seq: rec.seq };
  }
  async process(items: readonly Item[]): Promise<void> {
    for (const i of items) this.processed.push(i.id);
    this.held.push(...items);
  }
  isPermanent(): boolean {
    return false;
  }
  async start(): Promise<void> {
    this.held = [];
  }
  async advance(): Promise<void> {
    const err = this.fenceNext;
    this.fenceNext = undefined;
    if (err) throw err;
    this.store((i) => i.seq <= this.durableTo);
  }
  heldFrom(shard: number): number | undefined {
    const seqs = this.held.filter((i) => i.shard === shard).map((i) => i.seq);
    return seqs.length > 0 ? Math.min(...seqs) : undefined;
  }
  async prepareCommit(): Promise<void> {}
  async drain(): Promise<void> {
    this.store(() => true);
  }
  async flush(): Promise<void> {
    if (this.flushError) throw this.flushError;
    this.store(() => true);
  }
  async fenced(): Promise<void> {
    this.fences++;
    this.held = [];
  }
  private store(which: (i: Item) => boolean): void {
    for (const i of this.held.filter(which)) this.stored.add(i.id);
    this.held = this.held.filter((i) => !which(i));
  }
}

const IDS = Array.from({ length: 8 }, (_, i) => `r${i}`);

/**
 * A stream of IDS on one shard and the loop over it in batches of 2 (or `policy`), with
 * its sink; `reading` resolves once the loop has called its first read.
 */
async function running(policy = { count: 2, bytes: 1 << 20, periodMs: 5 }) {
  const stream: EmbeddedStream = await openTestStream(join(root, `s${n++}`), 'shopping', {
    shards: 1,
  });
  await stream.append(IDS.map((id) => ({ key: 'k', id, data: Buffer.from(id) })));
  const seqs = (await stream
    .consumer('peek', { count: 100, bytes: 1 << 20, periodMs: 5 })
    .then(async (c) => {
      const b = await c.read();
      await c.close();
      return b.records.map((r) => r.seq);
    })) as number[];
  const sink = new HoldingSink();
  const ac = new AbortController();
  let readCalled: () => void = () => undefined;
  const reading = new Promise<void>((resolve) => {
    readCalled = resolve;
  });
  const loop = runConsumerLoop({
    sink,
    openConsumer: async () => {
      const consumer = await stream.consumer('g', policy);
      const read = consumer.read.bind(consumer);
      consumer.read = (signal) => {
        readCalled();
        return read(signal);
      };
      return consumer;
    },
    stats: newLoopStats('g'),
    signal: ac.signal,
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    attemptsBeforeBisect: 1,
    logger: silentLogger,
  });
  const lag = async () => (await stream.lag('g'))[0]!.records;
  const until = async (what: string, cond: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 2000; i++) {
      if (await cond()) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.fail(`gave up waiting for ${what}`);
  };
  /** Stops the loop (resolves or rejects as it does); the stream stays open. */
  const halt = () => {
    ac.abort();
    return loop;
  };
  const stop = async () => {
    try {
      await halt();
    } finally {
      await stream.close();
    }
  };
  return { sink, seqs, lag, until, halt, stop, stream, reading };
}

test('a batch is committed once none of its records is held, batches in order', async () => {
  const { sink, seqs, lag, until, stop } = await running();
  try {
    await until('every record processed', () => sink.processed.length === IDS.length);
    // Nothing is durable yet: nothing is committed while the loop reads on.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await lag(), IDS.length);
    // r0..r2 durable: the batch r0,r1 is committed; r2,r3 waits for r3.
    sink.durableTo = seqs[2]!;
    await until('the first batch committed', async () => (await lag()) === IDS.length - 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await lag(), IDS.length - 2, 'a batch with a record still held waits');
    sink.durableTo = seqs.at(-1)!;
    await until('every batch committed', async () => (await lag()) === 0);
  } finally {
    await stop();
  }
  assert.deepEqual([...sink.stored].sort(), IDS);
});

test('at stop, what the sink cannot make durable is not committed and the loop rejects', async () => {
  const { sink, seqs, lag, until, halt, stream } = await running();
  try {
    await until('every record processed', () => sink.processed.length === IDS.length);
    sink.durableTo = seqs[1]!;
    await until('the first batch committed', async () => (await lag()) === IDS.length - 2);
    sink.flushError = new Error('disk full');
    await assert.rejects(halt(), /disk full/);
    assert.equal(await lag(), IDS.length - 2, 'nothing held is committed');
  } finally {
    await stream.close();
  }
});

test('at stop, everything held is flushed and committed', async () => {
  const { sink, until, halt, lag, stream } = await running();
  try {
    await until('every record processed', () => sink.processed.length === IDS.length);
    await halt();
    assert.equal(await lag(), 0);
    assert.deepEqual([...sink.stored].sort(), IDS);
  } finally {
    await stream.close();
  }
});

test('at stop, the batch being read is processed, flushed and committed too', async () => {
  // One read takes every record and then waits a minute for more: the stop ends it, and
  // what it took (appended before the stop: acknowledged to its producer) must be stored.
  const { sink, reading, halt, lag, stream } = await running({
    count: 100,
    bytes: 1 << 20,
    periodMs: 60_000,
  });
  try {
    await reading;
    await halt();
    assert.deepEqual([...sink.stored].sort(), IDS);
    assert.equal(await lag(), 0);
  } finally {
    await stream.close();
  }
});

test('a fenced sink drops what it holds; the batches are read again and committed once durable', async () => {
  const { sink, seqs, lag, until, stop } = await running();
  try {
    await until('every record processed', () => sink.processed.length === IDS.length);
    sink.durableTo = seqs[1]!;
    await until('the first batch committed', async () => (await lag()) === IDS.length - 2);
    sink.fenceNext = new FencedError('shard 0 moved', [0]);
    await until('the fence handled', () => sink.fences === 1);
    // Read again from the checkpoint: r2..r7 a second time, r0 and r1 not.
    await until('the rest read again', () => sink.processed.length === IDS.length + 6);
    assert.deepEqual(sink.processed.slice(IDS.length), IDS.slice(2));
    assert.equal(await lag(), IDS.length - 2, 'nothing held is committed');
    sink.durableTo = seqs.at(-1)!;
    await until('every batch committed', async () => (await lag()) === 0);
  } finally {
    await stop();
  }
});
