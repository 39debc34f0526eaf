/**
 * Consumer-group checkpoints of a JetStream stream, one KV entry per group in the bucket
 * `<stream>-checkpoints`. Every write is a compare-and-set on the entry's revision, so a
 * commit and a rewind racing each other cannot both win silently.
 *
 * The entry also holds each shard's fence: the highest lease epoch a member has claimed
 * the shard under (`claim`, before it reads). A fenced commit checks it in the same
 * compare-and-set that moves the checkpoint, so once a new owner has claimed a shard no
 * former owner can move its checkpoint, however long it was paused between a lease check
 * and its write (the gap a lease kept in another store leaves open).
 */
import type { KV } from 'nats';
import { StreamUnavailableError } from '../errors.js';
import { FencedError } from '../lease/lease-store.js';
import type { ConsumerOptions } from '../stream.js';
import { isWrongLastSequence } from './nats-errors.js';

/** Where a group stands: `next[shard]` is the first record sequence not yet committed. */
export interface GroupPosition {
  /** Bumped by every rewind; a batch read under an older epoch must not commit. */
  epoch: number;
  next: number[];
  /** Per shard, the highest lease epoch claimed (0: never claimed). */
  fence: number[];
  /** KV revision of the entry, for compare-and-set. */
  revision: number;
}

const GROUP_NAME = /^[A-Za-z0-9_-]{1,200}$/;
const CAS_ATTEMPTS = 20;

/** Throws RangeError unless `group` is a valid group name (letters, digits, `_`, `-`). */
export function assertGroupName(group: string): void {
  if (!GROUP_NAME.test(group)) {
    throw new RangeError(
      `consumer group "${group}" is not a valid name: use 1-200 letters, digits, "_" or "-"`,
    );
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class CheckpointStore {
  constructor(
    private readonly kv: KV,
    private readonly shards: number,
    private readonly stream = '',
  ) {}

  /** The group's position, or undefined when the group was never created. */
  async get(group: string): Promise<GroupPosition | undefined> {
    const e = await this.kv.get(group);
    if (e?.operation !== 'PUT') return undefined;
    let parsed: { epoch?: unknown; next?: unknown; fence?: unknown };
    try {
      parsed = JSON.parse(dec.decode(e.value));
    } catch (err) {
      throw new StreamUnavailableError(`checkpoint of group ${group} is not JSON`, { cause: err });
    }
    const next = Array.isArray(parsed.next) ? parsed.next.map((n) => Number(n) || 0) : [];
    while (next.length < this.shards) next.push(0);
    const fence = Array.isArray(parsed.fence) ? parsed.fence.map((n) => Number(n) || 0) : [];
    while (fence.length < this.shards) fence.push(0);
    return { epoch: Number(parsed.epoch) || 0, next, fence, revision: e.revision };
  }

  /** The group's position, creating it at the start of retention (next = 0) when new. */
  async ensure(group: string): Promise<GroupPosition> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.get(group);
      if (cur) return cur;
      const next = new Array<number>(this.shards).fill(0);
      const fence = new Array<number>(this.shards).fill(0);
      try {
        const revision = await this.kv.create(group, this.encode({ epoch: 0, next, fence }));
        return { epoch: 0, next, fence, revision };
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    }
    throw new StreamUnavailableError(`checkpoint of group ${group}: too many concurrent writers`);
  }

  /**
   * Raises the fence of each shard of `fence` to its epoch, before its owner reads, and
   * resolves the group's position after that write. Throws FencedError (writing nothing)
   * when a shard was already claimed under a higher epoch: another member owns it now.
   */
  async claim(group: string, fence: NonNullable<ConsumerOptions['fence']>): Promise<GroupPosition> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.ensure(group);
      this.assertFence(group, cur, fence, [...fence.epochs.keys()], (have, want) => have > want);
      const raised = [...cur.fence];
      for (const [shard, epoch] of fence.epochs) raised[shard] = epoch;
      if (raised.every((e, s) => e === cur.fence[s])) return cur;
      try {
        const revision = await this.kv.update(
          group,
          this.encode({ ...cur, fence: raised }),
          cur.revision,
        );
        return { ...cur, fence: raised, revision };
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    }
    throw new StreamUnavailableError(`checkpoint of group ${group}: too many concurrent writers`);
  }

  /**
   * Moves `next[shard]` to `lastSeq + 1` for each shard of a batch, unless the group was
   * rewound since the batch was read (epoch changed): then returns false and moves nothing.
   * With a fence, throws FencedError (moving nothing) unless each shard of the batch is
   * still claimed at exactly the batch's epoch, checked in the same compare-and-set.
   */
  async commit(
    group: string,
    epoch: number,
    lastSeq: ReadonlyMap<number, number>,
    fence?: ConsumerOptions['fence'],
  ): Promise<boolean> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.ensure(group);
      if (fence) this.assertFence(group, cur, fence, [...lastSeq.keys()], (h, w) => h !== w);
      if (cur.epoch !== epoch) return false;
      const next = [...cur.next];
      for (const [shard, seq] of lastSeq) next[shard] = seq + 1;
      try {
        await this.kv.update(group, this.encode({ ...cur, epoch, next }), cur.revision);
        return true;
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    }
    throw new StreamUnavailableError(`checkpoint of group ${group}: too many concurrent writers`);
  }

  /** Applies `move` to the group's positions and bumps its epoch (a rewind). */
  async rewind(group: string, move: (next: number[]) => void): Promise<void> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.ensure(group);
      const next = [...cur.next];
      move(next);
      try {
        await this.kv.update(
          group,
          this.encode({ ...cur, epoch: cur.epoch + 1, next }),
          cur.revision,
        );
        return;
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    }
    throw new StreamUnavailableError(`checkpoint of group ${group}: too many concurrent writers`);
  }

  /** Names of every group with a checkpoint, sorted. */
  async groups(): Promise<string[]> {
    const out: string[] = [];
    for await (const k of await this.kv.keys()) out.push(k);
    return out.sort();
  }

  private assertFence(
    group: string,
    cur: GroupPosition,
    fence: NonNullable<ConsumerOptions['fence']>,
    shards: readonly number[],
    stale: (have: number, want: number) => boolean,
  ): void {
    const lost = shards.filter((s) => stale(cur.fence[s] ?? 0, fence.epochs.get(s) ?? -1));
    if (lost.length > 0) throw FencedError.of(this.stream, group, fence.owner, lost);
  }

  private encode(p: Pick<GroupPosition, 'epoch' | 'next' | 'fence'>): Uint8Array {
    return enc.encode(JSON.stringify({ epoch: p.epoch, next: p.next, fence: p.fence }));
  }
}
