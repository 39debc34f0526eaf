/**
 * The lease side of one member of a consumer group: it announces the member, renews the
 * leases it holds, takes free or expired shards up to its fair share of the live members,
 * and names the shards it holds beyond that share (`surplus`) so its consumer hands them
 * off at the next batch boundary. Shares are deterministic: the live members sorted by
 * owner, the first `shards % members` of them take one shard more. A member that stops
 * renewing (killed, paused, cut off) loses its leases `ttlMs` after its last renewal and
 * the others take its shards at their next tick; `stop()` releases at once (graceful).
 */
import type { Lease, LeaseStore } from './lease-store.js';

export interface LeaseCoordinatorOptions {
  store: LeaseStore;
  stream: string;
  group: string;
  shards: number;
  /** This member's id, unique in the group (host, pid and a random part). */
  owner: string;
  /** Lease time: another member may take a shard this long after its last renewal. */
  ttlMs: number;
  /** Time between ticks [ttlMs / 3]. */
  renewMs?: number;
  now?: () => number;
  /** Told about every change of the shards held, and about failed ticks. Must not throw. */
  onEvent?: (e: LeaseEvent) => void;
}

export type LeaseEvent =
  | { type: 'acquired'; shards: number[] }
  | { type: 'lost'; shards: number[] }
  | { type: 'released'; shards: number[] }
  | { type: 'error'; error: Error };

/** Fair share of the member at `index` among `members` live members. */
export function shareOf(index: number, members: number, shards: number): number {
  if (members <= 0) return shards;
  return Math.floor(shards / members) + (index < shards % members ? 1 : 0);
}

export class LeaseCoordinator {
  /** shard -> epoch of the leases held. */
  private readonly epochs = new Map<number, number>();
  /** shard -> epoch ms until which this member may still count on the lease. */
  private readonly validUntil = new Map<number, number>();
  private surplusShards: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  /** Bumped whenever the set of shards held (or an epoch) changes. */
  version = 0;
  private readonly now: () => number;

  constructor(readonly opts: LeaseCoordinatorOptions) {
    this.now = opts.now ?? Date.now;
  }

  get owner(): string {
    return this.opts.owner;
  }

  /** Creates the group's leases if new, runs a first tick and starts renewing. */
  async start(): Promise<void> {
    await this.opts.store.init(this.opts.stream, this.opts.group, this.opts.shards);
    await this.tick();
    const every = this.opts.renewMs ?? Math.max(10, Math.floor(this.opts.ttlMs / 3));
    this.timer = setInterval(() => {
      this.tick().catch(() => {});
    }, every);
    this.timer.unref();
  }

  /** The leases this member may use now: shard -> epoch (expired ones left out). */
  held(): ReadonlyMap<number, number> {
    const now = this.now();
    let dropped = false;
    for (const [shard, until] of this.validUntil)
      if (until <= now) {
        this.drop([shard]);
        dropped = true;
      }
    if (dropped) this.version++;
    return new Map(this.epochs);
  }

  /** Shards held beyond this member's fair share: hand them off at the next batch boundary. */
  surplus(): number[] {
    return this.surplusShards.filter((s) => this.epochs.has(s));
  }

  /** One round: heartbeat, renew, take free or expired shards up to the fair share. */
  tick(): Promise<void> {
    this.ticking ??= this.round()
      .catch((err: Error) => this.opts.onEvent?.({ type: 'error', error: err }))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    const { store, stream, group, owner, ttlMs, shards } = this.opts;
    const started = this.now();
    await store.heartbeat(stream, group, owner, ttlMs, started);
    if (this.epochs.size > 0) {
      const kept = new Set(await store.renew(stream, group, owner, this.epochs, ttlMs, started));
      const lost = [...this.epochs.keys()].filter((s) => !kept.has(s));
      for (const s of kept) this.validUntil.set(s, started + ttlMs);
      if (lost.length > 0) {
        this.drop(lost);
        this.version++;
        this.opts.onEvent?.({ type: 'lost', shards: lost });
      }
    }
    const members = await store.members(stream, group, started);
    const index = Math.max(
      0,
      members.findIndex((m) => m.owner === owner),
    );
    const share = shareOf(index, Math.max(members.length, 1), shards);
    const mine = [...this.epochs.keys()].sort((a, b) => a - b);
    this.surplusShards = mine.length > share ? mine.slice(share) : [];
    if (mine.length >= share || this.stopped) return;
    const free = (await store.leases(stream, group)).filter((l) => this.takeable(l, started));
    const got: number[] = [];
    for (const l of free) {
      if (this.epochs.size >= share || this.stopped) break;
      const now = this.now();
      const lease = await store.acquire(stream, group, l.shard, owner, ttlMs, now);
      if (!lease) continue;
      this.epochs.set(lease.shard, lease.epoch);
      this.validUntil.set(lease.shard, now + ttlMs);
      got.push(lease.shard);
    }
    if (got.length > 0) {
      this.version++;
      this.opts.onEvent?.({ type: 'acquired', shards: got });
    }
  }

  private takeable(l: Lease, now: number): boolean {
    return !this.epochs.has(l.shard) && (l.owner === undefined || l.expiresAt <= now);
  }

  /** Forgets shards another member took (a commit was fenced). */
  lost(shards: readonly number[]): void {
    const had = shards.filter((s) => this.epochs.has(s));
    if (had.length === 0) return;
    this.drop(had);
    this.version++;
    this.opts.onEvent?.({ type: 'lost', shards: had });
  }

  /** Frees shards this member holds so the next member takes them at once. */
  async release(shards: readonly number[]): Promise<void> {
    const epochs = new Map<number, number>();
    for (const s of shards) {
      const e = this.epochs.get(s);
      if (e !== undefined) epochs.set(s, e);
    }
    if (epochs.size === 0) return;
    this.drop([...epochs.keys()]);
    this.version++;
    await this.opts.store.release(this.opts.stream, this.opts.group, this.opts.owner, epochs);
    this.opts.onEvent?.({ type: 'released', shards: [...epochs.keys()] });
  }

  /** Stops renewing, releases every lease and leaves the group (graceful hand-off). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await this.release([...this.epochs.keys()]);
    await this.opts.store.leave(this.opts.stream, this.opts.group, this.opts.owner);
  }

  private drop(shards: readonly number[]): void {
    for (const s of shards) {
      this.epochs.delete(s);
      this.validUntil.delete(s);
    }
  }
}
