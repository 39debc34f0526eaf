/**
 * Records decoded once for every use case of a runner that reads them: the `serving` and
 * `deals` groups read the same shopping records, each in its own group, and each decoded
 * and validated every one of them. While the demo's history loaded, that decoding was the
 * largest single piece of the main thread's work in its longest stalls (19 % of their CPU
 * samples, beside 20 % for the collector, to which its garbage adds).
 *
 * The first reader decodes a record and keeps it for the others, who take it instead of
 * decoding the same bytes again; once every reader has taken it, it is forgotten. A record
 * is only handed out for the very bytes it was decoded from (the key is its shard and
 * sequence in the one stream, and the bytes are compared), so a shard renumbered by a
 * reshard or a record read again after a restart is never given another's decoding. A
 * record is kept only for the readers that have not yet read that far on its shard, and at
 * most `capacity` are kept (the oldest dropped first): a reader far behind the others
 * finds its records gone and decodes them itself, keeping nothing; what is kept for a
 * reader that never reads that shard (leased to another process) is dropped the same way.
 * What fails to decode is never kept: each reader rejects it on its own and dead-letters
 * it under its own group.
 *
 * The records handed out are shared: a use case must not change them (none does).
 */

/** Records kept at most, waiting for the readers that have not taken them yet. */
export const DEFAULT_SHARED_DECODES = 2_000;

interface Entry<R> {
  readonly data: Uint8Array;
  readonly value: R;
  /** Readers that have not taken it yet. */
  left: number;
}

/** A reader's way to its records' decodings: kept by another reader, or `decode(record.data)`. */
export type SharedDecode<R> = (
  record: { shard: number; seq: number; data: Uint8Array },
  decode: (data: Uint8Array) => R,
) => R;

/** The shared decodings of one stream's records; see the module comment. */
export class SharedDecodes<R> {
  private readonly entries = new Map<string, Entry<R>>();
  /** Per reader, the sequence it read last on each shard. */
  private readonly positions: Map<number, number>[] = [];

  /** `capacity`: records kept at most. */
  constructor(private readonly capacity = DEFAULT_SHARED_DECODES) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1 (got ${capacity})`);
  }

  /**
   * Adds a reader (before it reads: records are kept only for the readers there are) and
   * returns its way to the decodings. `decode` may throw; what it returns is kept for the
   * readers that have not read that far on its shard.
   */
  reader(): SharedDecode<R> {
    const mine = new Map<number, number>();
    this.positions.push(mine);
    return (record, decode) => this.get(mine, record, decode);
  }

  private get(
    mine: Map<number, number>,
    record: { shard: number; seq: number; data: Uint8Array },
    decode: (data: Uint8Array) => R,
  ): R {
    mine.set(record.shard, record.seq);
    const key = `${record.shard}:${record.seq}`;
    const kept = this.entries.get(key);
    if (kept && sameBytes(kept.data, record.data)) {
      if (--kept.left <= 0) this.entries.delete(key);
      return kept.value;
    }
    const value = decode(record.data);
    // replaces a decoding of other bytes under the same key (a renumbered shard)
    if (kept) this.entries.delete(key);
    // kept only for readers still to come this far: one ahead has read past it
    let left = 0;
    for (const p of this.positions)
      if (p !== mine && !((p.get(record.shard) ?? -Infinity) >= record.seq)) left++;
    if (left > 0) {
      this.entries.set(key, { data: record.data, value, left });
      // the oldest: Map keeps insertion order
      if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
    return value;
  }

  /** Records kept now. */
  get size(): number {
    return this.entries.size;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
