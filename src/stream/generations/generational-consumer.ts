/**
 * Reader of one consumer group across the generations of a GenerationalStream. It reads
 * one generation at a time, the oldest the group has not finished: a generation is
 * finished once it is sealed and the group's lag on it is zero on every shard (committed
 * by this process or by the others sharing the group). An empty read of an older
 * generation checks that (at most once a second); once true the reader closes that
 * generation's reader (a leased one hands its shards back) and opens the next. Nothing
 * read from a generation is left uncommitted when it moves: the lag counts it.
 *
 * A generation retired while the group still reads it (past retention, see
 * GenerationalStream.retire) is left for the next listed one, found when a read of it
 * fails or comes back empty; a batch of it handed out before is not committed (the
 * generation and its checkpoints are gone; its records were past retention).
 *
 * Limit: a rewind by time made while the group reads a newer generation reaches the older
 * ones when the group's consumers are restarted (a new reader starts at the oldest
 * generation with lag).
 */
import { FencedError } from '../lease/lease-store.js';
import type { Batch, Consumer, Stream } from '../stream.js';
import type { Generation } from './generation-log.js';
import type { GenerationalStream } from './generational-stream.js';

/** Opens the reader of one generation's physical stream. */
export type ConsumerFactory = (stream: Stream, generation: Generation) => Promise<Consumer>;

const FINISHED_CHECK_MS = 1000;
const EMPTY: Batch = { records: [], bytes: 0, lastSeq: new Map() };

/** Where a batch handed out came from, so its commit goes to that generation's reader. */
const origin = new WeakMap<Batch, { inner: Consumer; batch: Batch; gen: Generation }>();

export class GenerationalConsumer implements Consumer {
  private inner: Consumer | undefined;
  private gen!: Generation;
  private lastCheck = 0;

  private constructor(
    private readonly stream: GenerationalStream,
    readonly group: string,
    private readonly open: ConsumerFactory,
  ) {}

  /** Starts at the oldest generation the group has not finished. */
  static async open(
    stream: GenerationalStream,
    group: string,
    open: ConsumerFactory,
  ): Promise<GenerationalConsumer> {
    const c = new GenerationalConsumer(stream, group, open);
    const gens = await stream.refresh();
    let start = gens.at(-1)!;
    for (const g of gens.slice(0, -1))
      if (!(await c.finished(g))) {
        start = g;
        break;
      }
    await c.enter(start);
    return c;
  }

  /** The generation read now. */
  generation(): Generation {
    return this.gen;
  }

  private async enter(g: Generation): Promise<void> {
    this.gen = g;
    this.inner = await this.open(await this.stream.streamOf(g), g);
  }

  /** Sealed, and every record of it committed by the group. */
  private async finished(g: Generation): Promise<boolean> {
    const s = await this.stream.streamOf(g);
    if (!(await s.isSealed())) return false;
    return (await s.lag(this.group)).every((l) => l.records === 0);
  }

  async read(signal?: AbortSignal): Promise<Batch> {
    if (!this.inner) await this.enter(this.gen);
    const inner = this.inner!;
    let batch: Batch;
    try {
      batch = await inner.read(signal);
    } catch (err) {
      // the read's own error stands unless its generation was retired
      if (!(await this.leaveRetired().catch(() => false))) throw err;
      return EMPTY;
    }
    if (batch.records.length === 0) {
      await this.moveOnWhenFinished();
      return batch;
    }
    const first = this.gen.firstShard;
    if (first === 0) {
      origin.set(batch, { inner, batch, gen: this.gen });
      return batch;
    }
    const lastSeq = new Map<number, number>();
    for (const [s, seq] of batch.lastSeq) lastSeq.set(s + first, seq);
    const out: Batch = {
      records: batch.records.map((r) => ({ ...r, shard: r.shard + first })),
      bytes: batch.bytes,
      lastSeq,
    };
    origin.set(out, { inner, batch, gen: this.gen });
    return out;
  }

  private async moveOnWhenFinished(): Promise<void> {
    if (Date.now() - this.lastCheck < FINISHED_CHECK_MS) return;
    this.lastCheck = Date.now();
    if (await this.leaveRetired()) return;
    const next = this.after(this.gen);
    if (!next || !(await this.finished(this.gen))) return;
    await this.moveTo(next);
  }

  /** The listed generation after `g` (after a retirement, not necessarily `g.gen + 1`). */
  private after(g: Generation): Generation | undefined {
    return this.stream.generations().find((x) => x.gen > g.gen);
  }

  /** When the generation read now was retired, moves to the next listed one; true if so. */
  private async leaveRetired(): Promise<boolean> {
    await this.stream.refresh();
    if (!this.stream.isRetired(this.gen.gen)) return false;
    await this.moveTo(this.after(this.gen)!);
    return true;
  }

  private async moveTo(next: Generation): Promise<void> {
    const old = this.inner;
    this.inner = undefined;
    await old?.close().catch(() => {}); // a retired generation's reader may be closed already
    this.lastCheck = 0;
    await this.enter(next);
  }

  async commit(batch: Batch): Promise<void> {
    if (batch.lastSeq.size === 0) return;
    const o = origin.get(batch);
    if (!o) throw new Error(`group ${this.group}: commit of a batch this consumer did not read`);
    if (this.stream.isRetired(o.gen.gen)) return; // its checkpoints went with it
    try {
      await inGeneration(o.gen, () => o.inner.commit(o.batch));
    } catch (err) {
      await this.stream.refresh().catch(() => {});
      if (!this.stream.isRetired(o.gen.gen)) throw err;
    }
  }

  /** The lease epochs of `batch`'s shards (numbered as the batch numbers them). */
  epochsOf(batch: Batch): ReadonlyMap<number, number> | undefined {
    const o = origin.get(batch);
    const epochs = o?.inner.epochsOf?.(o.batch);
    if (!o || !epochs || o.gen.firstShard === 0) return epochs;
    return new Map([...epochs].map(([s, e]) => [s + o.gen.firstShard, e] as const));
  }

  /**
   * Checks the fence on the generation read now: a sink that publishes (the lake writer)
   * must reach the leased reader's check through this layer, or it would publish unfenced.
   */
  async checkFence(epochs: ReadonlyMap<number, number>): Promise<void> {
    const inner = this.inner;
    const { firstShard, shards } = this.gen;
    const gone = [...epochs.keys()].filter(
      (s) => !inner || s < firstShard || s >= firstShard + shards,
    );
    if (gone.length > 0)
      throw new FencedError(
        `group ${this.group}: shards ${gone.join(',')} are no longer read by this consumer`,
        gone,
      );
    if (!inner?.checkFence) return;
    const local = new Map([...epochs].map(([s, e]) => [s - firstShard, e] as const));
    await inGeneration(this.gen, () => inner.checkFence!(local));
  }

  rebalancing(): boolean {
    return this.inner?.rebalancing?.() ?? false;
  }

  reset(): void {
    this.inner?.reset();
  }

  async close(): Promise<void> {
    const inner = this.inner;
    this.inner = undefined;
    await inner?.close();
  }
}

/** Runs `f` on generation `g`'s reader; a FencedError names the shards as the batches do. */
async function inGeneration(g: Generation, f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (err) {
    if (!(err instanceof FencedError) || g.firstShard === 0) throw err;
    throw new FencedError(
      err.message,
      err.shards.map((s) => s + g.firstShard),
    );
  }
}
