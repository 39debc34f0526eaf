/**
 * A Consumer for one member of a scaled-out consumer group: it reads only the shards its
 * LeaseCoordinator holds, and every commit is fenced twice: the lease store is asked
 * whether this member still holds each shard of the batch at the epoch it was read under,
 * and the inner consumer carries the same fence into the backend's commit (the embedded
 * stream checks it in the transaction that moves the checkpoint). A fenced commit throws
 * FencedError, forgets the lost shards and moves nothing; the batch is the new owner's to
 * deliver again (at-least-once, idempotent sinks).
 *
 * Changes of the shards held take effect at `read`: shards held beyond the fair share
 * are released there, so a loop that commits each batch before reading the next hands
 * them off with nothing uncommitted.
 */
import type { Batch, BatchPolicy, Consumer, Stream } from '../stream.js';
import { LeaseCoordinator, type LeaseEvent } from './lease-coordinator.js';
import { FencedError, type LeaseStore } from './lease-store.js';

export interface LeaseOptions {
  store: LeaseStore;
  /** This member's id in the group (unique across processes). */
  owner: string;
  ttlMs: number;
  renewMs?: number;
  now?: () => number;
  onEvent?: (group: string, e: LeaseEvent) => void;
}

/** The epochs a batch was read under, so its commit is fenced with them. */
const readUnder = new WeakMap<Batch, { inner: Consumer; epochs: ReadonlyMap<number, number> }>();

export class LeasedConsumer implements Consumer {
  private inner: Consumer | undefined;
  private innerVersion = -1;
  private epochs: ReadonlyMap<number, number> = new Map();

  private constructor(
    private readonly stream: Stream,
    readonly group: string,
    private readonly policy: BatchPolicy,
    readonly coordinator: LeaseCoordinator,
    private readonly store: LeaseStore,
  ) {}

  /** Joins the group (first lease round included) and returns its consumer. */
  static async open(
    stream: Stream,
    group: string,
    policy: BatchPolicy,
    opts: LeaseOptions,
  ): Promise<LeasedConsumer> {
    const coordinator = new LeaseCoordinator({
      store: opts.store,
      stream: stream.name,
      group,
      shards: stream.shards,
      owner: opts.owner,
      ttlMs: opts.ttlMs,
      renewMs: opts.renewMs,
      now: opts.now,
      onEvent: opts.onEvent ? (e) => opts.onEvent!(group, e) : undefined,
    });
    await coordinator.start();
    return new LeasedConsumer(stream, group, policy, coordinator, opts.store);
  }

  /** Shards this member reads now. */
  shards(): number[] {
    return [...this.epochs.keys()].sort((a, b) => a - b);
  }

  async read(signal?: AbortSignal): Promise<Batch> {
    const surplus = this.coordinator.surplus();
    if (surplus.length > 0) await this.coordinator.release(surplus);
    const held = this.coordinator.held();
    if (!this.inner || this.coordinator.version !== this.innerVersion) {
      await this.inner?.close();
      this.inner = undefined;
      this.innerVersion = this.coordinator.version;
      this.epochs = held;
      this.inner = await this.stream.consumer(this.group, this.policy, {
        shards: [...held.keys()].sort((a, b) => a - b),
        fence: { owner: this.coordinator.owner, epochs: held },
      });
    }
    const inner = this.inner;
    let batch: Batch;
    try {
      batch = await inner.read(signal);
    } catch (err) {
      // the backend refused to read a shard a newer epoch claimed: it is not ours any more
      if (!(err instanceof FencedError)) throw err;
      this.coordinator.lost(err.shards);
      return { records: [], bytes: 0, lastSeq: new Map() };
    }
    readUnder.set(batch, { inner, epochs: this.epochs });
    return batch;
  }

  async commit(batch: Batch): Promise<void> {
    if (batch.lastSeq.size === 0) return;
    const under = readUnder.get(batch);
    if (!under)
      throw new Error(`group ${this.group}: commit of a batch this consumer did not read`);
    const epochs = this.epochsOf(batch)!;
    // A batch read before the shards changed commits through the reader open now (the
    // old one is closed); its fence still names the batch's epochs.
    const via = this.inner ?? under.inner;
    await this.fenced(async () => {
      await this.store.check(this.stream.name, this.group, this.coordinator.owner, epochs);
      await via.commit(batch);
    });
  }

  epochsOf(batch: Batch): ReadonlyMap<number, number> | undefined {
    const under = readUnder.get(batch);
    if (!under) return undefined;
    const epochs = new Map<number, number>();
    for (const shard of batch.lastSeq.keys()) epochs.set(shard, under.epochs.get(shard) ?? -1);
    return epochs;
  }

  checkFence(epochs: ReadonlyMap<number, number>): Promise<void> {
    return this.fenced(() =>
      this.store.check(this.stream.name, this.group, this.coordinator.owner, epochs),
    );
  }

  rebalancing(): boolean {
    if (!this.inner) return false;
    this.coordinator.held(); // drops the leases whose time ran out locally
    return this.coordinator.version !== this.innerVersion || this.coordinator.surplus().length > 0;
  }

  /** Runs `op`; on FencedError forgets the lost shards (the next read drops them) and rethrows. */
  private async fenced(op: () => Promise<void>): Promise<void> {
    try {
      await op();
    } catch (err) {
      if (err instanceof FencedError) {
        this.coordinator.lost(err.shards);
        this.inner?.reset();
      }
      throw err;
    }
  }

  reset(): void {
    this.inner?.reset();
  }

  /** Closes the reader, releases every lease and leaves the group (graceful hand-off). */
  async close(): Promise<void> {
    const inner = this.inner;
    this.inner = undefined;
    try {
      await inner?.close();
    } finally {
      await this.coordinator.stop();
    }
  }
}
