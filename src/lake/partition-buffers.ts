/**
 * Buffering and rotation of one lake source: per stream shard, one open file per
 * partition; files close once a later rotation window arrived and they have been open a
 * rotation period (wall clock), on size, when idle, or (largest first) when the open files
 * together pass `maxOpenBytes`, and wait in `closed` until they are written.
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
  /** Wall clock (ms) when the file's first record arrived. */
  readonly openedAt: number;
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
  /** The earliest `openedAt` of the open files (a lower bound): no file is due before it plus rotateMs. */
  oldestOpen: number;
}

/** Once the open files pass their cap, the largest close until they hold this share of it. */
const EVICT_TO = 0.75;

/**
 * The open and closed files of one source. A file closes once a record of a later
 * rotation window (`rotateMs` wide, on record time) arrived on its shard and the file has
 * been open `rotateMs` of wall clock (so a backlog or a history that spans many windows in
 * seconds makes one file per partition per rotation period, not one per window), when it
 * holds `rotateBytes` of stream bytes, or when nothing arrived for it for `rotateMs`
 * (closeDue). Open files of
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
   * arriving at wall clock `now`, closing what the record's window or the file's size closes.
   */
  add(input: LakeInput, vendor: string, timeMs: number, size: number, now: number): void {
    const st = this.shard(input.shard);
    const window = Math.floor(timeMs / this.rotateMs);
    if (window > st.watermark) {
      st.watermark = window;
      this.closeAged(st, now);
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
        openedAt: now,
        lastArrival: now,
      };
      st.open.set(key, file);
      st.oldestOpen = Math.min(st.oldestOpen, now);
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

  /**
   * Closes the files nothing arrived for in the last `rotateMs`, and those of an earlier
   * window than their shard's newest that have been open `rotateMs`. Called after each read.
   */
  closeDue(now: number): void {
    for (const st of this.shards.values()) {
      for (const f of st.open.values()) if (now - f.lastArrival > this.rotateMs) this.close(f);
      this.closeAged(st, now);
    }
  }

  /** Closes the files of `st` of an earlier window than its watermark open `rotateMs` by `now`. */
  private closeAged(st: ShardState, now: number): void {
    if (now - st.oldestOpen < this.rotateMs) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const f of st.open.values()) {
      if (f.window < st.watermark && now - f.openedAt >= this.rotateMs) this.close(f);
      else oldest = Math.min(oldest, f.openedAt);
    }
    st.oldestOpen = oldest;
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
      st = {
        lastSeq: -1,
        watermark: Number.NEGATIVE_INFINITY,
        open: new Map(),
        oldestOpen: Number.POSITIVE_INFINITY,
      };
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
