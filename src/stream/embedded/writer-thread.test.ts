/**
 * The writer thread's restarts: the back-off between attempts when every new thread fails
 * to open the database, its reset once a thread works again, and close() ending it all.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { runScript } from '../../ops/testing/run-script.js';
import { workerEventLog } from '../../ops/testing/worker-event-log.js';
import { packEntry } from '../aggregation.js';
import { sleep } from '../testing/stream-fixtures.js';
import { SCHEMA_SQL } from './schema.js';
import type { WriteRequest } from './stream-writer.js';
import { WriterThread, WriterThreadError } from './writer-thread.js';

const root = mkdtempSync(join(tmpdir(), 'fs-writer-thread-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Creates the database of a one-shard stream in `dir`; returns its file. */
function createDb(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'w.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA_SQL);
  db.close();
  return file;
}

let ids = 0;
/** A write of `n` new records. */
function writeOf(n: number): WriteRequest {
  const records = Array.from({ length: n }, () => ({
    key: 'k',
    id: `r${ids++}`,
    data: new Uint8Array([1, 2, 3]),
    timestamp: 1,
  }));
  return { records: packEntry(records), counts: [n], now: 1, dedupeCutoff: undefined };
}

const eventLog = () => workerEventLog<WriterThreadError>();

describe('writer thread restarts', () => {
  it('backs off while every new thread fails to open, resets once one works, and close() stops it', {
    timeout: 60_000,
  }, async () => {
    const dir = join(root, 'backoff');
    const file = createDb(dir);
    const log = eventLog();
    const w = await WriterThread.start(
      { file, shards: 1, maxEntryBytes: 1 << 20 },
      { restartDelayMs: 10, maxRestartDelayMs: 80, onEvent: log.onEvent },
    );
    log.bind(w);
    try {
      assert.deepEqual(await w.write(writeOf(3)), [3, 0]);
      // the database's directory disappears: no new thread can open it
      rmSync(dir, { recursive: true, force: true });
      w.crashForTesting('exit');
      await log.until('failed', 6);
      const failed = log.events.filter((e) => e.type === 'failed');
      assert.deepEqual(
        failed.map((e) => [e.attempt, e.delayMs, e.restartsThen]),
        [
          [1, 10, 0],
          [2, 20, 1],
          [3, 40, 2],
          [4, 80, 3],
          [5, 80, 4],
          [6, 80, 5],
        ],
      );
      assert.match(failed[1]!.error.message, /directory does not exist/);
      assert.equal(w.up, false);
      await assert.rejects(w.write(writeOf(1)), WriterThreadError);

      // the database is back: the next attempt opens it, a write succeeds, the back-off resets
      createDb(dir);
      await log.until('restarted', 1);
      assert.equal(w.up, true);
      assert.deepEqual(await w.write(writeOf(2)), [2, 0]);
      rmSync(dir, { recursive: true, force: true });
      const mark = log.events.length;
      w.crashForTesting('throw');
      await log.until('failed', 3, mark);
      assert.deepEqual(
        log.events.slice(mark, mark + 3).map((e) => e.type === 'failed' && [e.attempt, e.delayMs]),
        [
          [1, 10],
          [2, 20],
          [3, 40],
        ],
      );
    } finally {
      await w.close();
    }
    // a restart was due within 80 ms when close() came: none may follow
    const restarts = w.restarts;
    const logged = log.events.length;
    await sleep(400);
    assert.equal(w.restarts, restarts, 'a thread was started after close()');
    assert.equal(log.events.length, logged);
    await assert.rejects(w.write(writeOf(1)), /closed/);
  });

  it('close() after a restart ends the thread, and the process exits on its own', {
    timeout: 60_000,
  }, async () => {
    const file = createDb(join(root, 'exit'));
    const writer = pathToFileURL(join(import.meta.dirname, 'writer-thread.ts')).href;
    const aggregation = pathToFileURL(join(import.meta.dirname, '..', 'aggregation.ts')).href;
    const script = `
      const { WriterThread } = await import(${JSON.stringify(writer)});
      const { packEntry } = await import(${JSON.stringify(aggregation)});
      const write = (id) => ({ records: packEntry([{ key: 'k', id, data: new Uint8Array(1), timestamp: 1 }]), counts: [1], now: 1, dedupeCutoff: undefined });
      let restarted;
      const up = new Promise((r) => (restarted = r));
      const w = await WriterThread.start(
        { file: ${JSON.stringify(file)}, shards: 1, maxEntryBytes: 1 << 20 },
        { restartDelayMs: 10, onEvent: (e) => e.type === 'restarted' && restarted() },
      );
      await w.write(write('a'));
      w.crashForTesting('terminate');
      const keepAlive = setInterval(() => {}, 1000); // a restart does not hold the process
      await up;
      clearInterval(keepAlive);
      await w.write(write('b'));
      await w.close();
      console.log('closed restarts=' + w.restarts);
    `;
    const { code, out } = await runScript(script);
    assert.equal(code, 0);
    assert.equal(out, 'closed restarts=1');
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.prepare('SELECT COUNT(*) FROM entries').pluck().get(), 2);
    } finally {
      db.close();
    }
  });
});
