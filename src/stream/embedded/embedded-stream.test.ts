import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { runStreamSuite } from '../stream-suite.js';
import { READ_CHUNK } from './embedded-consumer.js';
import { EmbeddedStream } from './embedded-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'faresight-embedded-suite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const destroy = (sub: string) => async (name: string) => {
  for (const suffix of ['.db', '.db-wal', '.db-shm'])
    rmSync(join(dir, sub, `${name}${suffix}`), { force: true });
};

// the default: group commits on the writer thread
runStreamSuite({
  name: 'embedded',
  create: async (o) => new EmbeddedStream({ dir: join(dir, 'thread'), ...o, trimIntervalMs: 0 }),
  destroy: destroy('thread'),
});

// writerThread: false, the same semantics with the transaction on the caller's thread
runStreamSuite({
  name: 'embedded, inline writer',
  create: async (o) =>
    new EmbeddedStream({
      dir: join(dir, 'inline'),
      ...o,
      trimIntervalMs: 0,
      writerThread: false,
    }),
  destroy: destroy('inline'),
});

// readAfter stops fetching entries once it has `max` records: the entries it leaves
// unread must come in order on the next read, and the connection must be free again
// for the writes a consumer makes between reads (a commit).
test('a read that stops before its last entry leaves the rest, in order, to the next', async () => {
  const stream = new EmbeddedStream({
    dir: join(dir, 'partial'),
    name: 'partial',
    shards: 1,
    retentionMs: 86_400_000,
    trimIntervalMs: 0,
    dedupeWindowMs: 0,
  });
  await stream.connect();
  try {
    // five appends of ten records: five entries on the one shard
    for (let a = 0; a < 5; a++)
      await stream.append(
        Array.from({ length: 10 }, (_, i) => ({
          key: 'k',
          id: `r${a * 10 + i}`,
          data: Buffer.from(`record ${a * 10 + i}`),
        })),
      );
    const ids = (recs: readonly { id: string }[]) => recs.map((r) => r.id);
    const first = stream.readAfter(0, 0, 15);
    assert.deepEqual(
      ids(first),
      Array.from({ length: 20 }, (_, i) => `r${i}`),
      'whole entries, up to the one that reaches 15',
    );
    const c = await stream.consumer('g', { count: 7, bytes: 1 << 20, periodMs: 10 });
    const batch = await c.read();
    assert.deepEqual(ids(batch.records), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    await c.commit(batch);
    const rest = stream.readAfter(0, 20, 100);
    assert.deepEqual(
      ids(rest),
      Array.from({ length: 30 }, (_, i) => `r${i + 20}`),
    );
    const again = await c.read();
    assert.deepEqual(ids(again.records), ['r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13']);
    await c.close();
  } finally {
    await stream.close();
  }
});

// Issue 22: the appends of one event-loop turn (the requests one turn parsed) travel to the
// writer thread as one message, one transferred buffer, and commit as one transaction: one
// entry row on the shard. Each append is still answered with its own counts.
test('the appends of one event-loop turn reach the writer as one group commit', async () => {
  const stream = new EmbeddedStream({
    dir: join(dir, 'turn'),
    name: 'turn',
    shards: 1,
    retentionMs: 86_400_000,
    trimIntervalMs: 0,
    dedupeWindowMs: 60_000,
  });
  await stream.connect();
  const db = new Database(stream.file, { readonly: true });
  const entries = () => (db.prepare('SELECT COUNT(*) AS n FROM entries').get() as { n: number }).n;
  const append = (...ids: string[]) =>
    stream.append(ids.map((id) => ({ key: 'k', id, data: Buffer.from(id) })));
  try {
    await append('seen');
    assert.equal(entries(), 1);
    const answers = await Promise.all([append('a', 'b'), append('seen'), append('c')]);
    assert.deepEqual(answers, [
      { appended: 2, duplicates: 0 },
      { appended: 0, duplicates: 1 },
      { appended: 1, duplicates: 0 },
    ]);
    assert.equal(entries(), 2, 'three appends of one turn: one more entry');
    await append('d');
    await append('e');
    assert.equal(entries(), 4, 'appends of separate turns: one entry each');
  } finally {
    db.close();
    await stream.close();
  }
});

// Reads are synchronous (better-sqlite3): a large read gives the event loop a turn every
// READ_CHUNK records, so that `up`'s API is not held for the whole of a lake batch (up to
// 20,000 records) of the history's backlog; the batch is the same, in order.
test('a large read gives the event loop a turn between chunks, and reads the same batch', async () => {
  const stream = new EmbeddedStream({
    dir: join(dir, 'chunks'),
    name: 'chunks',
    shards: 2,
    retentionMs: 86_400_000,
    trimIntervalMs: 0,
    dedupeWindowMs: 0,
  });
  await stream.connect();
  try {
    const n = 3 * READ_CHUNK + 100;
    for (let a = 0; a < n; a += 100)
      await stream.append(
        Array.from({ length: 100 }, (_, i) => ({
          key: `k${(a + i) % 7}`,
          id: `r${a + i}`,
          data: Buffer.from(`record ${a + i}`),
        })),
      );
    const c = await stream.consumer('g', { count: n, bytes: 1 << 30, periodMs: 10 });
    let turns = 0;
    const tick = () =>
      setImmediate(() => {
        turns++;
        if (!done) tick();
      });
    let done = false;
    tick();
    const batch = await c.read();
    done = true;
    assert.equal(batch.records.length, n);
    // about n / 2 records per shard: a turn after each shard's first chunk at least
    assert.ok(turns >= 2, `the loop turned ${turns} times during the read`);
    for (const shard of [0, 1]) {
      const seqs = batch.records.filter((r) => r.shard === shard).map((r) => r.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
        `shard ${shard} in order`,
      );
      assert.equal(new Set(seqs).size, seqs.length);
    }
    await c.close();
  } finally {
    await stream.close();
  }
});
