/**
 * Growing a live stream from N to M shards, run against every sealable backend: records
 * acknowledged before, during and after a reshard reach a consumer group's commits
 * exactly once, in acknowledgement order per market key. The appender, the reshard and
 * the consumer each use their own GenerationalStream, as separate processes would.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StreamSealedError } from '../errors.js';
import type { AppendRecord, StreamRecord } from '../stream.js';
import { makeRecords } from '../testing/stream-fixtures.js';
import type { GenerationalStream, SealableStream } from './generational-stream.js';

const POLICY = { count: 40, bytes: 1 << 20, periodMs: 30 };
const KEYS = Array.from({ length: 24 }, (_, i) => `MKT${i}`);

function record(phase: string, i: number): AppendRecord {
  const key = KEYS[i % KEYS.length]!;
  return { key, id: `${phase}-${i}`, data: new TextEncoder().encode(`${key}:${phase}:${i}`) };
}

/** Polls until `cond` holds; fails naming `what` after 120 s (a hang guard, not a timing check). */
async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `open` gives a new, unconnected view of the same stream (4 shards when new). */
export function runReshardSuite(open: () => Promise<GenerationalStream>): void {
  it('records acknowledged before, during and after a reshard 4 -> 8 are committed exactly once, in order per key', async () => {
    const producer = await open();
    const reader = await open();
    const admin = await open();
    for (const s of [producer, reader, admin]) await s.connect();
    const acked: string[] = []; // in acknowledgement order
    const appendAll = async (recs: AppendRecord[]) => {
      await producer.append(recs);
      acked.push(...recs.map((r) => r.id));
    };

    // a live consumer group, reading and committing throughout
    const committed: StreamRecord[] = [];
    let stopReading = false;
    const consumer = await reader.consumer('g', POLICY);
    const reading = (async () => {
      const guard = Date.now() + 240_000; // a hang guard, not a timing check
      while (!stopReading || committed.length < acked.length) {
        if (Date.now() > guard) assert.fail(`committed ${committed.length} of ${acked.length}`);
        const b = await consumer.read();
        if (b.records.length === 0) continue;
        await consumer.commit(b);
        committed.push(...b.records);
      }
    })();

    for (let i = 0; i < 200; i += 10)
      await appendAll(Array.from({ length: 10 }, (_, k) => record('before', i + k)));
    // during: one record per append, in a loop that runs across the reshard
    let stopAppending = false;
    let during = 0;
    const appending = (async () => {
      while (!stopAppending) await appendAll([record('during', during++)]);
    })();
    await until('appends before the reshard', () => during >= 50);
    const g1 = await admin.reshard(8);
    assert.deepEqual(g1, { gen: 1, shards: 8, firstShard: 4 });
    const atReshard = during;
    await until('appends after the reshard', () => during >= atReshard + 50);
    stopAppending = true;
    await appending;
    for (let i = 0; i < 200; i += 10)
      await appendAll(Array.from({ length: 10 }, (_, k) => record('after', i + k)));
    stopReading = true;
    await reading;

    const ids = committed.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'no record committed twice');
    assert.deepEqual([...ids].sort(), [...acked].sort(), 'every acknowledged record committed');
    const rank = new Map(acked.map((id, i) => [id, i]));
    for (const key of KEYS) {
      const order = committed.filter((r) => r.key === key).map((r) => rank.get(r.id)!);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        `order of ${key}`,
      );
    }
    const shards = new Set(committed.map((r) => r.shard));
    assert.ok([...shards].some((s) => s < 4) && [...shards].some((s) => s >= 4 && s < 12));
    assert.ok(Math.max(...shards) < 12, 'shard ids of generation 1 are 4..11');
    assert.equal(producer.shards, 8, 'the producer moved to the new generation');

    // a group created afterwards reads both generations from the start, once
    const late = await reader.consumer('late', POLICY);
    const lateIds: string[] = [];
    while (lateIds.length < acked.length) {
      const b = await late.read();
      await late.commit(b);
      lateIds.push(...b.records.map((r) => r.id));
    }
    assert.deepEqual([...lateIds].sort(), [...acked].sort());
    assert.ok((await reader.lag()).every((l) => l.records === 0));
    assert.equal((await admin.info()).records, acked.length);
    for (const s of [producer, reader, admin]) await s.close();
  });
}

/** Seals a connected stream with 5 records appended: it refuses appends and keeps the 5. */
export async function assertSealKeepsAndRefuses(s: SealableStream): Promise<void> {
  await s.append(makeRecords(5, { prefix: 'a' }));
  await s.seal();
  assert.equal(await s.isSealed(), true);
  await assert.rejects(s.append(makeRecords(1, { prefix: 'b' })), StreamSealedError);
  assert.equal((await s.info()).records, 5);
}
