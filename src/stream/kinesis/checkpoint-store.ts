/**
 * What a Kinesis stream keeps outside Kinesis, as the KCL keeps its lease table: consumer
 * group checkpoints, the sequence index that gives every record a stable numeric `seq`,
 * and the dedupe window. Kinesis itself stores none of it.
 *
 * Why an index: the contract's `seq` is a number, strictly increasing per shard and stable
 * across re-reads, but Kinesis sequence numbers are ~56-digit decimals with an opaque
 * layout, and one Kinesis record (an "entry") holds many aggregated records. The index
 * numbers entries in Kinesis order: an entry with `count` records owns the seqs
 * `firstSeq .. firstSeq + count - 1`, record `i` of the entry has `firstSeq + i`. Rows are
 * only ever appended at the shard's tail, with a compare-and-set on the tail's Kinesis
 * sequence number, so seqs follow Kinesis order whichever process indexes first, and a
 * row once written never changes its seq (re-reads see the same numbers).
 *
 * All methods take the `streamId` returned by `registerStream`; one store may serve many
 * streams. Every method is a single atomic statement on the backing database, so several
 * processes may share one store.
 */

/**
 * Where a group stands on one shard: `seq` is the last record it has consumed (0 = none).
 * A reader resumes AFTER Kinesis entry `kseq` when `afterEntry`, else AT `kseq` skipping
 * records with seq <= `seq`; `kseq` null means from the start of the shard (TRIM_HORIZON).
 */
export interface ShardPosition {
  seq: number;
  kseq: string | null;
  afterEntry: boolean;
}

/** One Kinesis record (an aggregated entry) in the sequence index. */
export interface IndexedEntry {
  kseq: string;
  firstSeq: number;
  count: number;
  /** Smallest and largest record timestamp in the entry (epoch ms). */
  tsMin: number;
  tsMax: number;
  /** Kinesis ApproximateArrivalTimestamp, epoch ms. */
  arrivalMs: number;
  /** Logically removed by `trim` (older than the stream's retention); readers skip it. */
  trimmed: boolean;
}

/** An entry to add at the tail of a shard's index; its seqs are assigned by the store. */
export type NewEntry = Omit<IndexedEntry, 'firstSeq' | 'trimmed'>;

/** The end of a shard's index: the last indexed Kinesis sequence number and the next seq. */
export interface IndexTail {
  kseq: string | null;
  nextSeq: number;
}

/** Records, time range and size of the live (not trimmed) part of a shard's index. */
export interface IndexSummary {
  records: number;
  tsMin: number | undefined;
  tsMax: number | undefined;
}

/**
 * The fencing token of a commit by one member of a consumer group that shares the shards
 * by lease (ConsumerOptions.fence): the leases are the SqlLeaseStore's `stream_leases`
 * table in the same database, keyed by the stream's name.
 */
export interface CheckpointFence {
  stream: string;
  owner: string;
  epochs: ReadonlyMap<number, number>;
}

export interface CheckpointStore {
  /** Creates the tables when missing. Idempotent; called by every `connect`. */
  init(): Promise<void>;
  /**
   * The id of a stream, created when new. `generation` tells a deleted and re-created
   * Kinesis stream of the same name apart (its checkpoints and index do not carry over).
   */
  registerStream(name: string, generation: string, shards: number): Promise<number>;

  /** Creates the group when missing (positions at the start of every shard). */
  ensureGroup(streamId: number, group: string, now: number): Promise<void>;
  /** Version of the group's positions, bumped by every rewind; undefined when unknown. */
  groupVersion(streamId: number, group: string): Promise<number | undefined>;
  /** Every group of the stream, sorted. */
  groups(streamId: number): Promise<string[]>;
  /** The group's committed position on one shard; undefined = start of the shard. */
  load(streamId: number, group: string, shard: number): Promise<ShardPosition | undefined>;
  /** The group's committed positions on every shard that has one. */
  loadAll(streamId: number, group: string): Promise<Map<number, ShardPosition>>;
  /**
   * Saves positions unless the group's version is no longer `version` (it was rewound
   * after the batch was read): then saves nothing and returns false. With a fence, in the
   * same statement: throws FencedError, saving nothing, unless `fence.owner` holds the
   * lease of every shard of `positions` at the epoch of `fence.epochs`.
   */
  save(
    streamId: number,
    group: string,
    version: number,
    positions: ReadonlyMap<number, ShardPosition>,
    fence?: CheckpointFence,
  ): Promise<boolean>;
  /** Sets positions and bumps the group's version in one step (a rewind). */
  rewind(
    streamId: number,
    group: string,
    positions: ReadonlyMap<number, ShardPosition>,
    now: number,
  ): Promise<void>;

  /** The tail of a shard's index. */
  tail(streamId: number, shard: number): Promise<IndexTail>;
  /** Indexed entries among `kseqs`, by Kinesis sequence number. */
  lookup(
    streamId: number,
    shard: number,
    kseqs: readonly string[],
  ): Promise<Map<string, IndexedEntry>>;
  /**
   * Appends `entries` (in Kinesis order) at the tail of the shard's index if the tail is
   * still `prevKseq` (null = empty index); returns false, adding nothing, otherwise.
   */
  extend(
    streamId: number,
    shard: number,
    prevKseq: string | null,
    entries: readonly NewEntry[],
  ): Promise<boolean>;
  /** First live entry holding a record with seq >= `seq`, or undefined. */
  entryForSeq(streamId: number, shard: number, seq: number): Promise<IndexedEntry | undefined>;
  /** First live entry holding a record with timestamp >= `time`, or undefined. */
  entryForTime(streamId: number, shard: number, time: number): Promise<IndexedEntry | undefined>;
  /** Live records with seq > `afterSeq` on the shard. */
  countAfter(streamId: number, shard: number, afterSeq: number): Promise<number>;
  /** Records and time range of the live entries of the shard. */
  summary(streamId: number, shard: number): Promise<IndexSummary>;
  /** Marks live entries whose newest record is older than `cutoff` as trimmed; returns their record count. */
  trimBefore(streamId: number, cutoff: number): Promise<number>;
  /**
   * Deletes index rows that arrived before `arrivalCutoff` (gone from Kinesis), except each
   * shard's tail, and dedupe rows older than `dedupeCutoff`.
   */
  prune(streamId: number, arrivalCutoff: number, dedupeCutoff: number): Promise<void>;

  /**
   * Claims ids for an append by `owner`. An id is claimed unless it is stored within the
   * window (stored at >= `windowStart`) or claimed by another append since `claimStart`.
   * Returns the ids claimed.
   */
  claim(
    streamId: number,
    ids: readonly string[],
    owner: string,
    now: number,
    windowStart: number,
    claimStart: number,
  ): Promise<Set<string>>;
  /** For ids not claimed: true when stored (a duplicate), false when another append holds them. */
  claimState(streamId: number, ids: readonly string[]): Promise<Map<string, boolean>>;
  /** Marks `stored` ids of `owner` as stored at `now` and releases its `released` ids. */
  settle(
    streamId: number,
    owner: string,
    stored: readonly string[],
    released: readonly string[],
    now: number,
  ): Promise<void>;
}
