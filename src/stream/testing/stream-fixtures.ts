/** Small helpers for stream tests: records to append and reading until a count is reached. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AppendRecord, Batch, Consumer, StreamRecord } from '../stream.js';

/**
 * `n` records with ids `${prefix}${i}`, keys cycling through `keys`, data `size` random
 * bytes (or the id's bytes when size is 0), and timestamps from `timestamp(i)` when given.
 */
export function makeRecords(
  n: number,
  opts: {
    prefix: string;
    keys?: readonly string[];
    size?: number;
    timestamp?: (i: number) => number;
  },
): AppendRecord[] {
  const keys = opts.keys ?? ['k0'];
  return Array.from({ length: n }, (_, i) => {
    const id = `${opts.prefix}${i}`;
    const r: AppendRecord = {
      key: keys[i % keys.length]!,
      id,
      data: opts.size ? new Uint8Array(randomBytes(opts.size)) : new TextEncoder().encode(id),
    };
    if (opts.timestamp) r.timestamp = opts.timestamp(i);
    return r;
  });
}

/** What `readRecords` collected: every record in read order and the batches they came in. */
export interface ReadResult {
  records: StreamRecord[];
  batches: Batch[];
}

/**
 * Reads until at least `n` records arrived (more may come in the last batch; callers
 * assert on the exact content). Commits each batch in order when `commit` is set. Fails
 * after `maxReads` reads, naming how many records it got.
 */
export async function readRecords(
  consumer: Consumer,
  n: number,
  opts: { commit?: boolean; maxReads?: number } = {},
): Promise<ReadResult> {
  const maxReads = opts.maxReads ?? 40;
  const records: StreamRecord[] = [];
  const batches: Batch[] = [];
  for (let reads = 0; records.length < n; reads++) {
    if (reads >= maxReads) {
      assert.fail(`expected ${n} records, got ${records.length} after ${reads} reads`);
    }
    const b = await consumer.read();
    batches.push(b);
    records.push(...b.records);
    if (opts.commit && b.records.length > 0) await consumer.commit(b);
  }
  return { records, batches };
}

/** Asserts that one more read returns nothing. */
export async function expectNoMore(consumer: Consumer): Promise<void> {
  const b = await consumer.read();
  assert.deepEqual(
    b.records.map((r) => r.id),
    [],
    'expected no more records',
  );
}

/** `[id, seq]` pairs per shard, in read order: what replay must reproduce exactly. */
export function perShard(records: readonly StreamRecord[]): Map<number, [string, number][]> {
  const out = new Map<number, [string, number][]>();
  for (const r of records) {
    const l = out.get(r.shard) ?? [];
    l.push([r.id, r.seq]);
    out.set(r.shard, l);
  }
  return new Map([...out.entries()].sort((a, b) => a[0] - b[0]));
}

/** Ids of the records, sorted: for comparing sets of records. */
export function sortedIds(records: readonly { id: string }[]): string[] {
  return records.map((r) => r.id).sort();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
