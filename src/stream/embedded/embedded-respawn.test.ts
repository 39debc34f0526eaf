/**
 * The embedded stream when its writer thread dies: the appends it had not acknowledged
 * reject with StreamUnavailableError (a 503 at the ingest service), a new thread takes
 * later appends, and retries leave every record stored exactly once with contiguous
 * sequences.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { StreamUnavailableError } from '../errors.js';
import type { AppendRecord, AppendResult, StreamRecord } from '../stream.js';
import { makeRecords, sleep } from '../testing/stream-fixtures.js';
import type { EmbeddedStream } from './embedded-stream.js';
import { openRespawnStream, writerOf } from './testing/test-streams.js';
import { WriterThreadError } from './writer-thread.js';

const root = mkdtempSync(join(tmpdir(), 'fs-respawn-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function withStream(fn: (s: EmbeddedStream, dir: string) => Promise<void>): Promise<void> {
  const dir = join(root, `s${n++}`);
  const s = await openRespawnStream(dir);
  try {
    await fn(s, dir);
  } finally {
    await s.close();
  }
}

/** An unavailable stream's rejection, as the ingest service sees it. */
function assertWriterDown(err: unknown): void {
  assert.ok(err instanceof StreamUnavailableError, `unexpected ${err}`);
  assert.ok(err.cause instanceof WriterThreadError, `unexpected cause ${err.cause}`);
}

/**
 * Appends `recs` until it is acknowledged, as a vendor retrying after Retry-After would;
 * every rejection must be the writer being down. Returns the result and the rejections.
 */
async function appendUntilAcked(
  s: EmbeddedStream,
  recs: AppendRecord[],
): Promise<{ result: AppendResult; rejections: number }> {
  for (let rejections = 0; rejections < 2000; rejections++) {
    try {
      return { result: await s.append(recs), rejections };
    } catch (err) {
      assertWriterDown(err);
      await sleep(10);
    }
  }
  assert.fail('the writer did not come back');
}

/** Every record of the stream, read by a fresh group. */
async function readAll(s: EmbeddedStream): Promise<StreamRecord[]> {
  const c = await s.consumer(`all${n++}`, { count: 50_000, bytes: 1 << 30, periodMs: 20 });
  const out: StreamRecord[] = [];
  for (;;) {
    const b = await c.read();
    if (b.records.length === 0) break;
    out.push(...b.records);
    await c.commit(b);
  }
  await c.close();
  return out;
}

/** Asserts each of `ids` is stored exactly once, nothing else is, and sequences run 1..n per shard. */
function assertExactlyOnce(records: StreamRecord[], ids: Iterable<string>): void {
  const seen = new Map<string, number>();
  for (const r of records) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  const expected = new Set(ids);
  for (const id of expected) assert.equal(seen.get(id), 1, `${id} read ${seen.get(id) ?? 0} times`);
  for (const id of seen.keys()) assert.ok(expected.has(id), `${id} was never appended`);
  const seqs = new Map<number, number[]>();
  for (const r of records) {
    const list = seqs.get(r.shard) ?? [];
    list.push(r.seq);
    seqs.set(r.shard, list);
  }
  for (const [shard, list] of seqs) {
    list.sort((a, b) => a - b);
    assert.deepEqual(
      list,
      list.map((_, i) => i + 1),
      `shard ${shard}: sequences have a gap or a duplicate`,
    );
  }
}

/** Resolves once the thread's write transaction holds the database's write lock. */
async function writeLockTaken(file: string): Promise<void> {
  const probe = new Database(file, { timeout: 0 });
  try {
    for (;;) {
      try {
        probe.exec('BEGIN IMMEDIATE');
        probe.exec('ROLLBACK');
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) return;
        throw err;
      }
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    probe.close();
  }
}

describe('embedded stream: the writer thread restarts after it dies', () => {
  it('a write cut off inside its transaction leaves nothing behind, and its retry is stored once', {
    timeout: 60_000,
  }, async () => {
    await withStream(async (s) => {
      const w = writerOf(s);
      const first = makeRecords(10, { prefix: 'a', keys: ['k0', 'k1', 'k2', 'k3'] });
      assert.deepEqual(await s.append(first), { appended: 10, duplicates: 0 });
      // large enough that its transaction runs for a good while after it took the lock
      const big = makeRecords(100_000, { prefix: 'b', keys: ['k0', 'k1', 'k2', 'k3'] });
      const pending = s.append(big);
      await writeLockTaken(s.file);
      w.crashForTesting('terminate');
      await assert.rejects(pending, (err) => {
        assertWriterDown(err);
        return true;
      });
      // the dead thread's claims and entries were rolled back: nothing of `big` is visible
      assert.equal((await s.info()).records, 10);
      const db = new Database(s.file, { readonly: true });
      try {
        assert.equal(db.prepare("SELECT COUNT(*) FROM dedupe WHERE id LIKE 'b%'").pluck().get(), 0);
      } finally {
        db.close();
      }
      const { result } = await appendUntilAcked(s, big);
      assert.deepEqual(result, { appended: 100_000, duplicates: 0 });
      assert.equal(w.restarts, 1);
      assertExactlyOnce(
        await readAll(s),
        [...first, ...big].map((r) => r.id),
      );
    });
  });

  it('a write that committed but whose reply was lost is a duplicate when retried', async () => {
    await withStream(async (s) => {
      const w = writerOf(s);
      const first = makeRecords(20, { prefix: 'a', keys: ['k0', 'k1'] });
      await s.append(first);
      w.crashForTesting('exit-after-next-write');
      const lost = makeRecords(30, { prefix: 'l', keys: ['k0', 'k1', 'k2'] });
      await assert.rejects(s.append(lost), (err) => {
        assertWriterDown(err);
        return true;
      });
      assert.equal((await s.info()).records, 50, 'the write did commit before the thread died');
      const { result } = await appendUntilAcked(s, lost);
      assert.deepEqual(result, { appended: 0, duplicates: 30 });
      const later = makeRecords(5, { prefix: 'z', keys: ['k3'] });
      assert.deepEqual(await s.append(later), { appended: 5, duplicates: 0 });
      assert.equal(w.restarts, 1);
      assertExactlyOnce(
        await readAll(s),
        [...first, ...lost, ...later].map((r) => r.id),
      );
    });
  });

  it('under load, across kills of every kind: in-flight appends reject, later ones succeed, each record is stored once', {
    timeout: 120_000,
  }, async () => {
    await withStream(async (s) => {
      const w = writerOf(s);
      const producers = 12;
      const batches = 60;
      const ids: string[] = [];
      let acked = 0;
      let rejected = 0;
      let appended = 0;
      let duplicates = 0;
      let finished = false;
      let wake: (() => void) | undefined;
      const produce = async (p: number) => {
        for (let b = 0; b < batches; b++) {
          const recs = makeRecords(300, {
            prefix: `p${p}-${b}-`,
            keys: ['k0', 'k1', 'k2', 'k3', 'k4'],
          });
          for (const r of recs) ids.push(r.id);
          const { result, rejections } = await appendUntilAcked(s, recs);
          appended += result.appended;
          duplicates += result.duplicates;
          rejected += rejections;
          acked++;
          wake?.();
        }
      };
      /** Waits for acknowledgements until `cond` holds; fails if the producers ran out first. */
      const ackedUntil = async (cond: () => boolean) => {
        while (!cond()) {
          assert.ok(!finished, 'the producers finished before the kills did');
          await new Promise<void>((r) => (wake = r));
        }
      };
      const done = Promise.all(Array.from({ length: producers }, (_, p) => produce(p))).finally(
        () => {
          finished = true;
          wake?.();
        },
      );
      const kills = ['terminate', 'exit', 'throw', 'exit-after-next-write', 'terminate'] as const;
      for (const kill of kills) {
        // acknowledgements after the previous restart came from the new thread: it is up
        const target = acked + 10;
        await ackedUntil(() => acked >= target);
        w.crashForTesting(kill);
        const restarts = w.restarts;
        await ackedUntil(() => w.restarts > restarts);
      }
      await done;
      assert.ok(rejected > 0, 'no append was in flight when the writer died');
      assert.equal(w.restarts, kills.length);
      assert.equal(appended + duplicates, ids.length);
      // the write whose reply was lost committed: its retry found every record a duplicate
      assert.ok(duplicates > 0, 'no retried record was found a duplicate');
      assertExactlyOnce(await readAll(s), ids);
    });
  });
});
