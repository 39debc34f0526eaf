import { NotConnectedError } from '../errors.js';
import type { Batch, BatchPolicy, Consumer, ConsumerOptions, StreamRecord } from '../stream.js';
import { waitForAppend } from '../wait-for-append.js';
import type { CheckpointStore, ShardPosition } from './checkpoint-store.js';
import type { SequenceIndex } from './sequence-index.js';
import type { CursorStart, EntryCursor } from './shard-cursor.js';

/** What a consumer needs from its KinesisStream. */
export interface ConsumerHost {
  readonly name: string;
  readonly shards: number;
  readonly streamId: number;
  readonly store: CheckpointStore;
  readonly index: SequenceIndex;
  readonly isOpen: boolean;
  /** Bumped by every append of this process, so idle shards are polled again at once. */
  readonly appendEpoch: number;
  openCursor(shard: number, start: CursorStart): EntryCursor;
  onAppend(fn: () => void): () => void;
  /** Registers an operation that `close` must wait for before it drops the client. */
  track<T>(p: Promise<T>): Promise<T>;
  forgetConsumer(c: KinesisConsumer): void;
}

interface KinesisBatch extends Batch {
  readonly version: number;
  readonly positions: ReadonlyMap<number, ShardPosition>;
}

interface Buffered {
  record: StreamRecord;
  /** The group's position once this record is consumed. */
  pos: ShardPosition;
}

interface ShardState {
  start: CursorStart;
  cursor: EntryCursor | undefined;
  /** Kinesis sequence number of the entry before the next one read (see SequenceIndex.resolve). */
  pred: string | null | undefined;
  /** Records with seq <= floor were consumed before (a checkpoint or rewind inside an entry). */
  floor: number;
  buffer: Buffered[];
  idleUntil: number;
  idleEpoch: number;
}

function stateAt(pos: ShardPosition | undefined): ShardState {
  const base = { cursor: undefined, buffer: [], idleUntil: 0, idleEpoch: -1 };
  if (!pos || pos.kseq === null) {
    return { ...base, start: { type: 'TRIM_HORIZON' }, pred: null, floor: pos?.seq ?? 0 };
  }
  if (pos.afterEntry) {
    return {
      ...base,
      start: { type: 'AFTER_SEQUENCE_NUMBER', kseq: pos.kseq },
      pred: pos.kseq,
      floor: pos.seq,
    };
  }
  return {
    ...base,
    start: { type: 'AT_SEQUENCE_NUMBER', kseq: pos.kseq },
    pred: undefined,
    floor: pos.seq,
  };
}

/**
 * Reader of one consumer group on a KinesisStream: one shard cursor per shard, resumed
 * from the group's checkpoints (AFTER_SEQUENCE_NUMBER the last fully consumed entry, AT
 * the entry it stopped inside of, TRIM_HORIZON for a new group). GetRecords' Limit is the
 * room left in the batch (each Kinesis record holds one or more stream records); what does
 * not fit is kept for the next read. An idle shard is polled again after `pollMs`, or at
 * once after an append by this process. A rewind is noticed by the group's version.
 * With `options.shards` only those shards are read; with `options.fence` a commit is
 * refused with FencedError (moving nothing) unless the fence's owner still holds each
 * shard of the batch at its epoch, checked in the statement that saves the checkpoint.
 */
export class KinesisConsumer implements Consumer {
  private states: ShardState[] = [];
  private version = -1;
  private nextShard = 0;
  private closed = false;
  /** The shards read, in order. */
  private readonly reading: readonly number[];

  constructor(
    private readonly host: ConsumerHost,
    readonly group: string,
    private readonly policy: BatchPolicy,
    private readonly pollMs: number,
    private readonly options: ConsumerOptions = {},
  ) {
    this.reading = options.shards
      ? [...new Set(options.shards)].sort((a, b) => a - b)
      : Array.from({ length: host.shards }, (_, s) => s);
  }

  private async syncPosition(): Promise<number> {
    const v = (await this.host.store.groupVersion(this.host.streamId, this.group)) ?? 0;
    if (v !== this.version) {
      const positions = await this.host.store.loadAll(this.host.streamId, this.group);
      this.states = Array.from({ length: this.host.shards }, (_, s) => stateAt(positions.get(s)));
      this.version = v;
    }
    return v;
  }

  read(signal?: AbortSignal): Promise<Batch> {
    try {
      this.assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.host.track(this.collect(signal));
  }

  private async collect(signal?: AbortSignal): Promise<Batch> {
    const deadline = Date.now() + this.policy.periodMs;
    let records: StreamRecord[] = [];
    let positions = new Map<number, ShardPosition>();
    let bytes = 0;
    let version = await this.syncPosition();
    const full = () => records.length >= this.policy.count || bytes >= this.policy.bytes;
    for (;;) {
      if ((await this.syncPosition()) !== version) {
        // rewound while we were collecting: drop what we have and start over
        records = [];
        positions = new Map();
        bytes = 0;
        version = this.version;
      }
      let progressed = false;
      const shards = this.reading.length;
      for (let n = 0; n < shards && !full(); n++) {
        const shard = this.reading[(this.nextShard + n) % shards]!;
        const st = this.states[shard]!;
        if (
          st.buffer.length === 0 &&
          (await this.fill(shard, st, this.policy.count - records.length))
        )
          progressed = true;
        while (st.buffer.length > 0 && !full()) {
          const b = st.buffer.shift()!;
          records.push(b.record);
          bytes += b.record.data.length;
          positions.set(shard, b.pos);
          progressed = true;
        }
      }
      this.nextShard = shards === 0 ? 0 : (this.nextShard + 1) % shards;
      const left = deadline - Date.now();
      if (full() || left <= 0 || signal?.aborted || this.closed || !this.host.isOpen) break;
      if (!progressed) await this.waitForData(Math.min(left, this.nextPoll()), signal);
    }
    const lastSeq = new Map<number, number>();
    for (const [shard, p] of positions) lastSeq.set(shard, p.seq);
    const batch: KinesisBatch = { records, bytes, lastSeq, version, positions };
    return batch;
  }

  /** One GetRecords on the shard unless it is idle; true when it returned entries. */
  private async fill(shard: number, st: ShardState, room: number): Promise<boolean> {
    if (Date.now() < st.idleUntil && st.idleEpoch === this.host.appendEpoch) return false;
    const epoch = this.host.appendEpoch;
    st.cursor ??= this.host.openCursor(shard, st.start);
    const page = await st.cursor.next(room);
    if (page.entries.length === 0) {
      if (page.behindMs === 0 || st.cursor.ended) {
        st.idleUntil = Date.now() + this.pollMs;
        st.idleEpoch = epoch;
      }
      return false;
    }
    const rows = await this.host.index.resolve(shard, page.entries, st.pred);
    st.pred = page.entries.at(-1)!.kseq;
    page.entries.forEach((e, j) => {
      const row = rows[j]!;
      if (row.trimmed) return;
      e.records.forEach((r, i) => {
        const seq = row.firstSeq + i;
        if (seq <= st.floor) return;
        st.buffer.push({
          record: { shard, seq, key: r.key, id: r.id, data: r.data, timestamp: r.timestamp },
          pos: { seq, kseq: e.kseq, afterEntry: i === e.records.length - 1 },
        });
      });
    });
    return true;
  }

  private nextPoll(): number {
    let soonest = this.pollMs;
    for (const shard of this.reading)
      soonest = Math.min(soonest, Math.max(1, this.states[shard]!.idleUntil - Date.now()));
    return soonest;
  }

  private waitForData(ms: number, signal?: AbortSignal): Promise<void> {
    return waitForAppend(ms, (wake) => this.host.onAppend(wake) as () => void, signal);
  }

  async commit(batch: Batch): Promise<void> {
    this.assertOpen();
    const b = batch as KinesisBatch;
    if (!b.positions || b.positions.size === 0) return;
    // false: the group was rewound after this batch was read; its checkpoint must not win
    const fence = this.options.fence;
    await this.host.store.save(
      this.host.streamId,
      this.group,
      b.version,
      b.positions,
      fence ? { stream: this.host.name, owner: fence.owner, epochs: fence.epochs } : undefined,
    );
  }

  reset(): void {
    this.version = -1;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.host.forgetConsumer(this);
  }

  private assertOpen(): void {
    if (this.closed || !this.host.isOpen) {
      throw new NotConnectedError(`consumer ${this.group} of stream ${this.host.name} is closed`);
    }
  }
}
