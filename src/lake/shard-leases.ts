/**
 * The shard leases a lake source's buffered records were read under (scale-out: a
 * LeasedConsumer; docs/scale-out.md). They name the epoch a file is written and
 * published under, and which files of earlier owners the writer may rely on.
 */
import type { SeqRange } from './lake-layout.js';
import type { LakeInput } from './parquet-writer.js';

interface ShardLease {
  readonly epoch: number;
  /** First seq read under this epoch: the checkpoint the shard was taken over at, plus one. */
  readonly startSeq: number;
}

export class ShardLeases {
  private readonly byShard = new Map<number, ShardLease>();

  /**
   * Notes the epoch (`epochs`, by shard) each record was read under. Returns a shard read
   * under another epoch than the one its buffered records were (it changed hands
   * meanwhile: what is buffered of it is stale), forgetting it; undefined when none did.
   */
  note(
    records: readonly Pick<LakeInput, 'shard' | 'seq'>[],
    epochs: ReadonlyMap<number, number>,
  ): number | undefined {
    for (const rec of records) {
      const epoch = epochs.get(rec.shard) ?? -1;
      const held = this.byShard.get(rec.shard);
      if (held && held.epoch !== epoch) {
        this.byShard.delete(rec.shard);
        return rec.shard;
      }
      if (!held) this.byShard.set(rec.shard, { epoch, startSeq: rec.seq });
    }
    return undefined;
  }

  /** The epoch `shard`'s records were read under; undefined when not leased. */
  epochOf(shard: number): number | undefined {
    return this.byShard.get(shard)?.epoch;
  }

  /**
   * Which files of `shard` already in the lake the writer relies on as holding their rows
   * (undefined: all, not leased): files without an epoch or of this epoch (or a newer
   * one), and files of earlier owners that start before the checkpoint this owner took
   * the shard over at. The others may have been published by an owner that had lost the
   * shard; their rows are written again under this epoch, whose files then win.
   */
  relyOn(shard: number): ((r: SeqRange) => boolean) | undefined {
    const lease = this.byShard.get(shard);
    if (!lease) return undefined;
    return (r) => r.epoch === undefined || r.epoch >= lease.epoch || r.first < lease.startSeq;
  }

  /** Forgets shards lost to another process. */
  forget(shards: readonly number[]): void {
    for (const s of shards) this.byShard.delete(s);
  }
}
