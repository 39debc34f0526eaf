/**
 * Buffering and rotation of one lake source: per stream shard, one open file per
 * partition; files close on a later rotation window, on size, when idle, or (largest
 * first) when the open files together pass `maxOpenBytes`, and wait in `closed` until
 * they are written.
 */
import { type Partition, partitionOf } from './lake-layout.js';
import type { LakeInput } from './parquet-writer.js';

/** The buffered records of one shard for one partition: one future file per table. */
export interface OpenFile {
  readonly shard: number;
  readonly partition: Partition;
  readonly key: string;
  readonly window: number;
  readonly inputs: LakeInput[];
  bytes: number;
  lastArrival: number;
  /** After a failed write: when to try again, and why it failed. */
  retryAt?: number;
  failure?: unknown;
  /** Consecutive failed writes. */
  attempts?: number;
}

interface ShardState {
  lastSeq: number;
  watermark: number;
  readonly open: Map<string, OpenFile>;
}

/** Once the open files pass their cap, the largest close until they hold this share of it. */
const EVICT_TO = 0.75;

/**
 * The open and closed files of one source. A file closes when a record of a later
 * rotation window (`rotateMs` wide) arrives on its shard, when it holds `rotateBytes` of
 * stream bytes, or when nothing arrived for it for `rotateMs` (closeIdle). Open files of
 * every shard and partition together hold at most `maxOpenBytes` (default unbounded):
 * past it the largest close first (down to 3/4 of the cap), so a batch spanning hundreds
 * of partitions (a backfill of history) cannot hold more than that in open buffers; the
 * writer's backpressure bounds the closed files.
 */
export class PartitionBuffers {
  /** Closed files, oldest first, until `written` removes them. */
  readonly closed: OpenFile[] = [];
  private readonly shards = new Map<number, ShardState>();
  private open = 0;
  private bytesOpen = 0;

  constructor(
    private readonly rotateMs: number,
    private readonly rotateBytes: number,
    private readonly maxOpenBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** Stream bytes held in open files, over every shard and partition. */
  get openBytes(): number {
    return this.bytesOpen;
  }

  /** Open files, over every shard and partition. */
  get openFiles(): number {
    return this.open;
  }

  /** True the first time `seq` (or a later one) is seen on `shard`: a redelivery is false. */
  firstDelivery(shard: number, seq: number): boolean {
    const st = this.shard(shard);
    if (seq <= st.lastSeq) return false;
    st.lastSeq = seq;
    return true;
  }

  /**
   * Buffers `input` (of `size` stream bytes) in the partition of `vendor` at `timeMs`,
   * closing what the record's window or the file's size closes.
   */
  add(input: LakeInput, vendor: string, timeMs: number, size: number, now: number): void {
    const st = this.shard(input.shard);
    const window = Math.floor(timeMs / this.rotateMs);
    if (window > st.watermark) {
      st.watermark = window;
      for (const f of st.open.values()) if (f.window < window) this.close(f);
    }
    const partition = partitionOf(vendor, timeMs);
    const key = `${partition.vendor}/${partition.dt}/${partition.hour}`;
    let file = st.open.get(key);
    if (!file) {
      file = {
        shard: input.shard,
        partition,
        key,
        window: st.watermark,
        inputs: [],
        bytes: 0,
        lastArrival: now,
      };
      st.open.set(key, file);
      this.open++;
    }
    file.inputs.push(input);
    file.bytes += size;
    this.bytesOpen += size;
    file.lastArrival = now;
    if (file.bytes >= this.rotateBytes) this.close(file);
    if (this.bytesOpen > this.maxOpenBytes) this.closeLargest();
  }

  /** Closes the largest open files until they hold EVICT_TO of maxOpenBytes. */
  private closeLargest(): void {
    const open = [...this.shards.values()].flatMap((st) => [...st.open.values()]);
    open.sort((a, b) => b.bytes - a.bytes);
    for (const f of open) {
      if (this.bytesOpen <= this.maxOpenBytes * EVICT_TO) return;
      this.close(f);
    }
  }

  /** Closes the files nothing arrived for in the last `rotateMs`. */
  closeIdle(now: number): void {
    for (const st of this.shards.values())
      for (const f of st.open.values()) if (now - f.lastArrival > this.rotateMs) this.close(f);
  }

  /** Closes every open file (at stop). */
  closeAll(): void {
    for (const st of this.shards.values()) for (const f of st.open.values()) this.close(f);
  }

  /** Forgets a closed file once it is written. */
  written(file: OpenFile): void {
    const i = this.closed.indexOf(file);
    if (i >= 0) this.closed.splice(i, 1);
  }

  /** The lowest seq of `shard` still buffered (open or closed), or undefined. */
  firstBuffered(shard: number): number | undefined {
    let min: number | undefined;
    const consider = (f: OpenFile) => {
      const s = f.inputs[0]?.seq;
      if (s !== undefined && (min === undefined || s < min)) min = s;
    };
    for (const f of this.shards.get(shard)?.open.values() ?? []) consider(f);
    for (const f of this.closed) if (f.shard === shard) consider(f);
    return min;
  }

  private shard(shard: number): ShardState {
    let st = this.shards.get(shard);
    if (!st) {
      st = { lastSeq: -1, watermark: Number.NEGATIVE_INFINITY, open: new Map() };
      this.shards.set(shard, st);
    }
    return st;
  }

  private close(file: OpenFile): void {
    if (this.shard(file.shard).open.delete(file.key)) {
      this.open--;
      this.bytesOpen -= file.bytes;
    }
    this.closed.push(file);
  }
}
