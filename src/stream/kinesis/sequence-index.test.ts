import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CheckpointStore } from './checkpoint-store.js';
import { SequenceIndex } from './sequence-index.js';
import type { CursorStart, EntryCursor, KinesisEntry } from './shard-cursor.js';
import { openPgliteCheckpoints } from './testing/kinesis-fixtures.js';

/** An in-memory Kinesis shard: entries with big, growing, non-contiguous sequence numbers. */
class FakeShard {
  readonly entries: KinesisEntry[] = [];
  reads = 0;
  add(counts: number[], ts = 1000): void {
    for (const n of counts) {
      const kseq = (
        49_680_575_577_126_230_946_352_397_677_644_560_131_521_708_485_823_692_802n +
        BigInt(this.entries.length) * 1_208_925_819_614_629_174_706_176n
      ).toString();
      this.entries.push({
        kseq,
        arrivalMs: ts,
        records: Array.from({ length: n }, (_, i) => ({
          key: 'k',
          id: `${this.entries.length}-${i}`,
          data: new Uint8Array([i]),
          timestamp: ts + i,
        })),
      });
    }
  }
  cursor(start: CursorStart): EntryCursor {
    let pos =
      start.type === 'TRIM_HORIZON'
        ? 0
        : this.entries.findIndex((e) => e.kseq === start.kseq) +
          (start.type === 'AFTER_SEQUENCE_NUMBER' ? 1 : 0);
    return {
      ended: false,
      next: async (limit: number) => {
        this.reads++;
        const entries = this.entries.slice(pos, pos + Math.min(limit, 3));
        pos += entries.length;
        return { entries, behindMs: 0 };
      },
    };
  }
}

describe('SequenceIndex', () => {
  let db: Awaited<ReturnType<typeof openPgliteCheckpoints>>;
  let store: CheckpointStore;
  let n = 0;
  before(async () => {
    db = await openPgliteCheckpoints();
    store = db.store;
  });
  after(() => db.close());

  async function setup() {
    const shard = new FakeShard();
    const id = await store.registerStream(`s${n++}`, 'gen', 1);
    const index = new SequenceIndex(store, id, (_s, start) => shard.cursor(start));
    return { shard, id, index };
  }

  it('numbers entries in Kinesis order, by record count, the same on every re-read', async () => {
    const { shard, index } = await setup();
    shard.add([3, 1, 2]);
    const rows = await index.resolve(0, shard.entries, null);
    assert.deepEqual(
      rows.map((r) => [r.firstSeq, r.count]),
      [
        [1, 3],
        [4, 1],
        [5, 2],
      ],
    );
    shard.add([4]);
    const again = await index.resolve(0, shard.entries.slice(1), undefined);
    assert.deepEqual(
      again.map((r) => r.firstSeq),
      [4, 5, 7],
    );
    assert.deepEqual(
      (await index.resolve(0, shard.entries, null)).map((r) => r.firstSeq),
      [1, 4, 5, 7],
    );
  });

  it('two readers racing over overlapping ranges get the same seqs', async () => {
    const { shard, index, id } = await setup();
    shard.add([2, 2, 2, 2, 2, 2]);
    const e = shard.entries;
    const [a, b, c] = await Promise.all([
      index.resolve(0, e.slice(0, 4), null),
      index.resolve(0, e.slice(0, 2), null),
      index.resolve(0, e.slice(0, 6), null),
    ]);
    assert.deepEqual(
      c.map((r) => r.firstSeq),
      [1, 3, 5, 7, 9, 11],
    );
    assert.deepEqual(a, c.slice(0, 4));
    assert.deepEqual(b, c.slice(0, 2));
    assert.deepEqual(await store.tail(id, 0), { kseq: e[5]!.kseq, nextSeq: 13 });
  });

  it('a reader starting beyond the index tail walks the gap first, so seqs keep Kinesis order', async () => {
    const { shard, index } = await setup();
    shard.add([1, 1, 1, 1, 1, 1, 1, 1]);
    // a rewound or new reader that starts at entry 6 without knowing what precedes it
    const late = await index.resolve(0, shard.entries.slice(6), undefined);
    assert.deepEqual(
      late.map((r) => r.firstSeq),
      [7, 8],
    );
    const early = await index.resolve(0, shard.entries.slice(0, 3), null);
    assert.deepEqual(
      early.map((r) => r.firstSeq),
      [1, 2, 3],
    );
  });

  it('catchUp indexes to the end of the shard and then reads nothing already indexed', async () => {
    const { shard, index, id } = await setup();
    shard.add([5, 5]);
    await index.catchUp(0);
    assert.equal((await store.tail(id, 0)).nextSeq, 11);
    shard.add([1]);
    const reads = shard.reads;
    await index.catchUp(0);
    assert.equal(shard.reads - reads, 2, 'one page with the new entry, one empty page');
    assert.deepEqual(await store.tail(id, 0), { kseq: shard.entries[2]!.kseq, nextSeq: 12 });
    assert.equal((await store.summary(id, 0)).records, 11);
  });
});
