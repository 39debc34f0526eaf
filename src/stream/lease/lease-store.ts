/**
 * Shard leases of a consumer group, kept where the group's checkpoints are (the embedded
 * stream's SQLite database, or PostgreSQL beside the others). A lease gives one member of
 * the group one shard until `expiresAt`; every change of owner bumps the lease's `epoch`,
 * the fencing token a commit is checked against, so a former owner that was paused or cut
 * off past its lease can never commit once another member took the shard.
 */

/** One shard's lease. `owner` is undefined while nobody holds it. */
export interface Lease {
  stream: string;
  group: string;
  shard: number;
  owner: string | undefined;
  /** Bumped each time the shard changes hands; the fencing token. */
  epoch: number;
  /** Epoch ms after which another member may take the shard. */
  expiresAt: number;
}

/** A live member of a group (a process running the group's consumer). */
export interface Member {
  owner: string;
  /** Epoch ms after which the member counts as gone. */
  expiresAt: number;
}

/** A commit (or a lease renewal) was refused: another member holds the shard now. */
export class FencedError extends Error {
  override name = 'FencedError';
  constructor(
    message: string,
    /** The shards this member no longer holds. */
    readonly shards: readonly number[],
  ) {
    super(message);
  }

  /** The error of a commit by `owner` refused on `shards` of the group. */
  static of(stream: string, group: string, owner: string, shards: readonly number[]): FencedError {
    return new FencedError(
      `group ${group} of stream ${stream}: ${owner} no longer holds shard(s) ${shards.join(', ')}; commit refused`,
      shards,
    );
  }
}

export interface LeaseStore {
  /** Creates the tables (idempotent) and one free lease per shard of the group. */
  init(stream: string, group: string, shards: number): Promise<void>;
  /** Announces (or keeps alive) a member until `now + ttlMs`. */
  heartbeat(
    stream: string,
    group: string,
    owner: string,
    ttlMs: number,
    now: number,
  ): Promise<void>;
  /** Removes a member (graceful leave). */
  leave(stream: string, group: string, owner: string): Promise<void>;
  /** Members whose heartbeat has not expired at `now`, sorted by owner. */
  members(stream: string, group: string, now: number): Promise<Member[]>;
  /** Every lease of the group (or of every group of the stream), by group then shard. */
  leases(stream: string, group?: string): Promise<Lease[]>;
  /**
   * Takes the shard when it is free, expired, or already this owner's, until
   * `now + ttlMs`; the epoch is bumped when the owner changes. Resolves the lease, or
   * undefined when another member holds it.
   */
  acquire(
    stream: string,
    group: string,
    shard: number,
    owner: string,
    ttlMs: number,
    now: number,
  ): Promise<Lease | undefined>;
  /**
   * Extends each lease still held by `owner` at the given epoch; resolves the shards
   * renewed (a shard missing from the answer was taken by another member).
   */
  renew(
    stream: string,
    group: string,
    owner: string,
    epochs: ReadonlyMap<number, number>,
    ttlMs: number,
    now: number,
  ): Promise<number[]>;
  /** Frees the shards (if still held at those epochs) for the next member at once. */
  release(
    stream: string,
    group: string,
    owner: string,
    epochs: ReadonlyMap<number, number>,
  ): Promise<void>;
  /** Throws FencedError unless `owner` holds every shard of `epochs` at that epoch. */
  check(
    stream: string,
    group: string,
    owner: string,
    epochs: ReadonlyMap<number, number>,
  ): Promise<void>;
  close(): Promise<void>;
}
