import { NotConnectedError } from '../errors.js';
import type { Batch, BatchPolicy, Consumer, ConsumerOptions, StreamRecord } from '../stream.js';
import type { CheckpointStore, GroupPosition } from './checkpoint-store.js';
import { ShardReader, type ShardReaderContext } from './shard-reader.js';

/** A batch remembers the group epoch it was read under, so a commit after a rewind is void. */
interface JetStreamBatch extends Batch {
  readonly epoch: number;
}

/** What a consumer needs from its JetStreamStream. */
export interface JetStreamConsumerContext {
  shards: number;
  store: CheckpointStore;
  readerContext(shard: number): ShardReaderContext;
  /** Runs a backend call, mapping its errors to the stream contract's. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  isOpen(): boolean;
  forget(c: JetStreamConsumer): void;
}

/**
 * Reader of one consumer group on a JetStreamStream. Each read looks up the group's
 * checkpoint entry (one KV get): when its epoch changed (a rewind, from this process or
 * another), the read-ahead is dropped and reading restarts at the checkpoints. With a
 * fence (ConsumerOptions), the first read claims the shards at their lease epochs and
 * every commit is refused (FencedError) once a higher epoch claimed one of them.
 */
export class JetStreamConsumer implements Consumer {
  private readers: ShardReader[] | undefined;
  private stopping: Promise<unknown> = Promise.resolve();
  private epoch = -1;
  private nextShard = 0;
  private closed = false;
  /** With a fence: whether its shards were claimed in the checkpoint entry yet. */
  private claimed = false;
  private wakeRead: (() => void) | undefined;

  constructor(
    private readonly ctx: JetStreamConsumerContext,
    readonly group: string,
    private readonly policy: BatchPolicy,
    private readonly options: ConsumerOptions = {},
  ) {}

  async read(signal?: AbortSignal): Promise<Batch> {
    this.assertOpen();
    const fence = this.options.fence;
    // A fenced reader claims its shards before its first read, so from then on no former
    // owner's commit can land (checkpoint-store.ts).
    const pos = await this.ctx.call(`read group ${this.group}`, () =>
      fence && !this.claimed
        ? this.ctx.store.claim(this.group, fence)
        : this.ctx.store.ensure(this.group),
    );
    this.claimed = true;
    if (!this.readers || pos.epoch !== this.epoch) await this.restart(pos);
    const readers = this.readers!;
    const deadline = Date.now() + this.policy.periodMs;
    const records: StreamRecord[] = [];
    let bytes = 0;
    const full = () => records.length >= this.policy.count || bytes >= this.policy.bytes;
    for (;;) {
      for (let n = 0; n < readers.length && !full(); n++) {
        const reader = readers[(this.nextShard + n) % readers.length]!;
        if (reader.failure) throw reader.failure;
        while (reader.available > 0 && !full()) {
          const r = reader.take();
          records.push(r);
          bytes += r.data.length;
        }
      }
      const left = deadline - Date.now();
      if (full() || left <= 0 || signal?.aborted || this.closed) break;
      await this.waitForData(left, signal);
    }
    this.nextShard = (this.nextShard + 1) % Math.max(1, readers.length);
    const lastSeq = new Map<number, number>();
    for (const r of records) lastSeq.set(r.shard, r.seq);
    const batch: JetStreamBatch = { records, bytes, lastSeq, epoch: this.epoch };
    return batch;
  }

  async commit(batch: Batch): Promise<void> {
    this.assertOpen();
    if (batch.lastSeq.size === 0) return;
    const epoch = (batch as Partial<JetStreamBatch>).epoch ?? this.epoch;
    // false: the group was rewound after the batch was read, and the rewind wins
    await this.ctx.call(`commit group ${this.group}`, () =>
      this.ctx.store.commit(this.group, epoch, batch.lastSeq, this.options.fence),
    );
  }

  reset(): void {
    this.dropReaders();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeRead?.();
    this.dropReaders();
    await this.stopping;
    this.ctx.forget(this);
  }

  private assertOpen(): void {
    if (this.closed || !this.ctx.isOpen()) {
      throw new NotConnectedError(`consumer of group ${this.group} is closed`);
    }
  }

  private dropReaders(): void {
    const old = this.readers;
    this.readers = undefined;
    if (old) this.stopping = Promise.all([this.stopping, ...old.map((r) => r.stop())]);
  }

  private async restart(pos: GroupPosition): Promise<void> {
    this.dropReaders();
    await this.stopping;
    this.epoch = pos.epoch;
    const onData = () => this.wakeRead?.();
    const shards = this.options.shards ?? Array.from({ length: this.ctx.shards }, (_, s) => s);
    this.readers = shards.map(
      (shard) => new ShardReader(this.ctx.readerContext(shard), pos.next[shard] ?? 0, onData),
    );
  }

  private waitForData(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wakeRead = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeRead = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
