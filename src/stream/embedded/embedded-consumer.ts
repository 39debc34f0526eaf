import { setImmediate as turn } from 'node:timers/promises';
import { NotConnectedError } from '../errors.js';
import type { Batch, BatchPolicy, Consumer, ConsumerOptions, StreamRecord } from '../stream.js';
import { waitForAppend } from '../wait-for-append.js';
import type { EmbeddedStream } from './embedded-stream.js';

/**
 * Records read from SQLite in one go before the event loop gets a turn. A read is
 * synchronous (better-sqlite3), and the lake group's batches are up to 20,000 records: in
 * `up`, whose event loop also serves the API, one read of the history's backlog held the
 * loop for as long as it took to copy and unpack them all.
 */
export const READ_CHUNK = 1000;

interface EmbeddedBatch extends Batch {
  readonly version: number;
}

/**
 * Reader of one consumer group on an EmbeddedStream. It remembers how far it has read
 * (ahead of the committed checkpoint) and notices a rewind by the group's version.
 */
export class EmbeddedConsumer implements Consumer {
  private pos: number[] = [];
  private version = -1;
  private nextShard = 0;
  private closed = false;

  constructor(
    private readonly stream: EmbeddedStream,
    readonly group: string,
    private readonly policy: BatchPolicy,
    private readonly pollMs: number,
    private readonly options: ConsumerOptions = {},
  ) {}

  private syncPosition(): number {
    const v = this.stream.groupVersion(this.group);
    if (v !== this.version) {
      this.version = v;
      this.pos = Array.from({ length: this.stream.shards }, (_, s) =>
        this.stream.checkpoint(this.group, s),
      );
    }
    return v;
  }

  async read(signal?: AbortSignal): Promise<Batch> {
    if (this.closed || !this.stream.isOpen)
      throw new NotConnectedError(`consumer ${this.group} is closed`);
    const deadline = Date.now() + this.policy.periodMs;
    const records: StreamRecord[] = [];
    let bytes = 0;
    let version = this.syncPosition();
    for (;;) {
      if (this.stream.groupVersion(this.group) !== version) {
        // rewound while we were collecting: drop what we have and start over
        records.length = 0;
        bytes = 0;
        version = this.syncPosition();
      }
      const own = this.options.shards;
      const shards = own ? own.length : this.stream.shards;
      for (
        let n = 0;
        n < shards && records.length < this.policy.count && bytes < this.policy.bytes;
        n++
      ) {
        const i = (this.nextShard + n) % shards;
        const shard = own ? own[i]! : i;
        for (;;) {
          const want = Math.min(READ_CHUNK, this.policy.count - records.length);
          const got = this.stream.readAfter(shard, this.pos[shard]!, want);
          for (const r of got) {
            if (records.length >= this.policy.count || bytes >= this.policy.bytes) break;
            records.push(r);
            bytes += r.data.length;
            this.pos[shard] = r.seq;
          }
          const more =
            got.length >= want && records.length < this.policy.count && bytes < this.policy.bytes;
          if (!more) break;
          // a turn of the event loop between chunks of a large read (see READ_CHUNK)
          await turn();
          if (this.closed || !this.stream.isOpen) break;
        }
        if (this.closed || !this.stream.isOpen) break;
      }
      this.nextShard = (this.nextShard + 1) % Math.max(1, shards);
      const full = records.length >= this.policy.count || bytes >= this.policy.bytes;
      const left = deadline - Date.now();
      if (full || left <= 0 || signal?.aborted || this.closed || !this.stream.isOpen) break;
      await this.waitForData(Math.min(left, this.pollMs), signal);
    }
    const lastSeq = new Map<number, number>();
    for (const r of records) lastSeq.set(r.shard, r.seq);
    const batch: EmbeddedBatch = { records, bytes, lastSeq, version };
    return batch;
  }

  private waitForData(ms: number, signal?: AbortSignal): Promise<void> {
    return waitForAppend(ms, (wake) => this.stream.onAppend(wake) as () => void, signal);
  }

  async commit(batch: Batch): Promise<void> {
    if (!this.stream.isOpen) throw new NotConnectedError(`stream ${this.stream.name} is closed`);
    if (batch.lastSeq.size === 0) return;
    const version = (batch as EmbeddedBatch).version;
    // false: the group was rewound after this batch was read; its checkpoint must not win.
    this.stream.commitCheckpoints(
      this.group,
      version ?? this.version,
      batch.lastSeq,
      this.options.fence,
    );
  }

  reset(): void {
    this.version = -1;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stream.forgetConsumer(this);
  }
}
