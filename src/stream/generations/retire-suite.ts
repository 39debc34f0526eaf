/**
 * Retiring a drained generation, run against every sealable backend: a sealed generation
 * is deleted only once every record of it is past retention, then consumers, rewinds,
 * appends and further reshards go on with the generations left, and no acknowledged
 * record within retention is lost. The clock is moved by passing `now` to `retire`;
 * records are stamped (AppendRecord.timestamp) where the test needs them in the past.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Consumer, StreamRecord } from '../stream.js';
import { makeRecords } from '../testing/stream-fixtures.js';
import type { GenerationalStream } from './generational-stream.js';

const POLICY = { count: 50, bytes: 1 << 20, periodMs: 20 };
const KEYS = Array.from({ length: 12 }, (_, i) => `MKT${i}`);
/** The retention every stream of the suite is opened with. */
export const RETIRE_RETENTION_MS = 3_600_000;
const MIN = 60_000;

/**
 * Reads and commits until `ids` holds `n` records that `counts` (all by default); a hang
 * guard of 60 s, not a timing check.
 */
async function drain(
  c: Consumer,
  ids: string[],
  n: number,
  counts: (id: string) => boolean = () => true,
): Promise<StreamRecord[]> {
  const got: StreamRecord[] = [];
  const guard = Date.now() + 60_000;
  while (ids.filter(counts).length < n) {
    if (Date.now() > guard) assert.fail(`group ${c.group}: ${ids.length} of ${n} records`);
    const b = await c.read();
    if (b.records.length === 0) continue;
    await c.commit(b);
    got.push(...b.records);
    ids.push(...b.records.map((r) => r.id));
  }
  return got;
}

export interface RetireSuiteOptions {
  /** A new, unconnected view of the same stream (4 shards when new), as another process has. */
  open(): Promise<GenerationalStream>;
  /** Whether the physical stream `stored` still exists. */
  exists(stored: string): Promise<boolean>;
}

export function runRetireSuite({ open, exists }: RetireSuiteOptions): void {
  it('a drained generation is retired only past retention; consumers, rewinds and reshards go on', async () => {
    const admin = await open();
    const producer = await open();
    const readerA = await open();
    const readerC = await open();
    for (const s of [admin, producer, readerA, readerC]) await s.connect();
    const t0 = Date.now();
    const keys = KEYS;
    // generation 0: 40 records stamped 30 minutes ago, within the retention of an hour
    const old = makeRecords(40, { prefix: 'old-', keys, timestamp: () => t0 - 30 * MIN });
    await producer.append(old);
    const a = await readerA.consumer('a', POLICY);
    const aIds: string[] = [];
    await drain(a, aIds, 40);

    await admin.reshard(6);
    const fresh = makeRecords(30, { prefix: 'new-', keys });
    await producer.append(fresh);
    await drain(a, aIds, 70);
    assert.deepEqual(await admin.retire(t0), [], 'within retention: kept');

    // every group drained generation 0, but its records are within retention: kept, so a
    // rewind by time still finds them
    assert.deepEqual(await admin.retire(t0 + 20 * MIN), [], 'drained but within retention: kept');
    assert.deepEqual(
      admin.generations().map((g) => g.gen),
      [0, 1],
    );
    await readerA.rewind('a', { time: t0 - 40 * MIN });
    await a.close();
    const a2 = await readerA.consumer('a', POLICY);
    const replay: string[] = [];
    await drain(a2, replay, 70);
    assert.deepEqual(
      [...replay].sort(),
      [...old, ...fresh].map((r) => r.id).sort(),
      'a rewind within retention finds generation 0',
    );

    // group c joins and reads nothing of generation 0 before it ages out
    const c = await readerC.consumer('c', POLICY);
    const stored0 = (await admin.generationStatus())[0]!.stored;
    assert.equal(await exists(stored0), true);

    // 31 minutes later generation 0 is past retention: retired regardless of group c
    const later = t0 + 31 * MIN;
    const retired = await admin.retire(later);
    assert.equal(retired.length, 1);
    assert.equal(retired[0]!.generation.gen, 0);
    assert.equal(retired[0]!.records, 40);
    assert.deepEqual(retired[0]!.unread, [{ group: 'c', records: 40 }]);
    assert.equal(await exists(stored0), false, 'its physical stream is deleted');
    assert.deepEqual(await admin.retire(later), [], 'nothing more to retire');
    const gens = await admin.generationStatus();
    assert.deepEqual(
      gens.map((g) => [g.gen, g.state, g.firstShard, g.records]),
      [[1, 'live', 4, 30]],
    );
    assert.ok((await admin.lag()).every((l) => l.shard >= 4 && l.shard < 10));
    assert.equal((await admin.info()).records, 30);

    // appends, the running consumers and a consumer stuck on the retired generation go on
    const after1 = makeRecords(20, { prefix: 'after1-', keys });
    await producer.append(after1);
    // (it may still read generation 0 where the backend lets an open reader finish a
    // deleted stream; those records were past retention)
    const cIds: string[] = [];
    const isNew = (id: string) => !id.startsWith('old-');
    const cGot = await drain(c, cIds, 50, isNew);
    const cNew = cGot.filter((r) => isNew(r.id)).map((r) => r.id);
    assert.deepEqual(
      [...cNew].sort(),
      [...fresh, ...after1].map((r) => r.id).sort(),
      'group c reads every record of generation 1 once',
    );
    assert.ok(cGot.every((r) => isNew(r.id) || r.shard < 4));
    const a3 = a2;
    await drain(a3, replay, 90);

    // a rewind by time to the start of retention finds every record within it
    await readerA.rewind('a', { time: later - RETIRE_RETENTION_MS });
    await a3.close();
    const a4 = await readerA.consumer('a', POLICY);
    const again: string[] = [];
    await drain(a4, again, 50);
    assert.deepEqual(
      [...again].sort(),
      [...fresh, ...after1].map((r) => r.id).sort(),
      'every acknowledged record within retention is found',
    );

    // a reshard after a retirement, and a consumer moving on across the shortened list
    const g2 = await admin.reshard(3);
    assert.deepEqual(g2, { gen: 2, shards: 3, firstShard: 10 });
    const after2 = makeRecords(15, { prefix: 'after2-', keys });
    await producer.append(after2);
    const a4Ids: string[] = [];
    const moved = await drain(a4, a4Ids, 15);
    assert.ok(moved.every((r) => r.shard >= 10 && r.shard < 13));
    const late = await open();
    await late.connect();
    assert.deepEqual(
      late.generations().map((g) => [g.gen, g.firstShard, g.shards]),
      [
        [1, 4, 6],
        [2, 10, 3],
      ],
    );
    const lateIds: string[] = [];
    await drain(await late.consumer('late', POLICY), lateIds, 65);
    assert.deepEqual([...lateIds].sort(), [...fresh, ...after1, ...after2].map((r) => r.id).sort());
    for (const s of [admin, producer, readerA, readerC, late]) await s.close();
  });
}
