/**
 * The staging thread heals itself: requests a dying thread had not answered reject with
 * StagingThreadError (never taken for a bad record), the writer stages inline until a new
 * thread is up after the back-off, and close() ends it all.
 */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { encodeRecord } from '../../model/codec.js';
import { variedRecord } from '../../model/testing/records.js';
import { silentLogger } from '../../ops/logger.js';
import { runScript } from '../../ops/testing/run-script.js';
import { workerEventLog } from '../../ops/testing/worker-event-log.js';
import { ParquetWriteError } from '../errors.js';
import type { LakeInput, ParquetOutput, ParquetWriter } from '../parquet-writer.js';
import { openLakeReader } from '../testing/lake-reader.js';
import { startLocalLakeWriter } from '../testing/start-local-lake-writer.js';
import { openTestStream, recordAppend } from '../testing/test-stream.js';
import { writerConfig } from '../testing/writer-config.js';
import { DuckDBParquetWriter } from './duckdb-parquet-writer.js';
import { StagingThread, StagingThreadError } from './staging-thread.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-staging-restart-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const input = (seq: number) => ({ shard: 0, seq, data: encodeRecord(variedRecord(seq)) });
/** Lines of a staged NDJSON file. */
const lineCount = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '').length;

const eventLog = () => workerEventLog<StagingThreadError>();

const isThreadError = (err: unknown) =>
  err instanceof StagingThreadError && !(err instanceof ParquetWriteError);

describe('staging thread restarts', () => {
  test('requests sent to a dying thread reject; a new one stages after a doubling back-off', {
    timeout: 60_000,
  }, async () => {
    const log = eventLog();
    let crashEachRestart = false;
    const t: StagingThread = await StagingThread.start({
      restartDelayMs: 10,
      maxRestartDelayMs: 40,
      onEvent: (e) => {
        log.onEvent(e);
        if (crashEachRestart && e.type === 'restarted') t.crashForTesting('throw');
      },
    });
    const file = (n: string) => path.join(root, `unit-${n}.ndjson`);
    try {
      await t.stage([input(1)], { offers: file('a') });
      t.crashForTesting('exit');
      // sent before the death is seen: in flight when the thread dies
      const inFlight = [2, 3, 4].map((seq) => t.stage([input(seq)], { offers: file(`b${seq}`) }));
      // all awaited at once, so none rejects before it has a handler
      await Promise.all(inFlight.map((p) => assert.rejects(p, isThreadError)));
      assert.equal(t.up, false);
      await assert.rejects(t.stage([input(5)], { offers: file('c') }), /restarting after/);

      await log.until('restarted', 1);
      assert.equal(t.restarts, 1);
      assert.equal(t.up, true);
      await t.stage([input(6)], { offers: file('d') });
      assert.equal(lineCount(file('d')), variedRecord(6).offers.length);
      // a bad record is the record's fault: rejected, the thread lives on
      await assert.rejects(
        t.stage([{ shard: 0, seq: 7, data: new Uint8Array([1, 2]) }], { offers: file('e') }),
        (err: Error) => !(err instanceof StagingThreadError) && /seq 7/.test(err.message),
      );
      assert.equal(t.up, true);

      // every new thread dies before answering anything: the wait doubles up to its bound
      const mark = log.events.length;
      crashEachRestart = true;
      t.crashForTesting('throw');
      await log.until('failed', 4, mark);
      assert.deepEqual(
        log.events
          .slice(mark)
          .filter((e) => e.type === 'failed')
          .slice(0, 4)
          .map((e) => [e.attempt, e.delayMs]),
        [
          [1, 10],
          [2, 20],
          [3, 40],
          [4, 40],
        ],
      );
    } finally {
      await t.close();
    }
    const restarts = t.restarts;
    const logged = log.events.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.restarts, restarts, 'a thread was started after close()');
    assert.equal(log.events.length, logged, 'an event came after close()');
    await assert.rejects(t.stage([input(8)], { offers: file('f') }), /closed/);
  });

  test('the writer: in-flight writes reject with the thread error, later ones stage inline, then on the new thread', {
    timeout: 60_000,
  }, async () => {
    const log = eventLog();
    const dir = path.join(root, 'writer');
    const w = await DuckDBParquetWriter.open({
      stagingDir: path.join(dir, 'tmp'),
      onStagingThreadEvent: log.onEvent,
    });
    const out = (n: string) => path.join(dir, `${n}.parquet`);
    const write = (seq: number, n: string) =>
      w.write([input(seq)], [{ table: 'offers', path: out(n) }]);
    try {
      await write(1, 'a');
      w.crashStagingThreadForTesting('exit');
      const inFlight = [2, 3].map((seq) => write(seq, `b${seq}`));
      // both awaited at once: a write's rejection comes after its staging files are removed
      // (I/O), so the second can reject while the first is still awaited, and with no handler
      // on it yet the test runner failed the test on an unhandled rejection (CI, 7d4515d)
      await Promise.all(inFlight.map((p) => assert.rejects(p, isThreadError)));
      for (const seq of [2, 3]) assert.equal(fs.existsSync(out(`b${seq}`)), false);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), [], 'no staging file left');
      // no thread is up until 100 ms after the exit: staged inline, it lands all the same
      await write(4, 'c');
      assert.ok(fs.existsSync(out('c')));

      await log.until('restarted', 1);
      assert.equal(w.stagingThreadRestarts, 1);
      await write(5, 'd');
      // killed from outside while a write is on it: it lands or rejects with the thread error
      const racing = write(6, 'e');
      w.crashStagingThreadForTesting('terminate');
      const outcome = await racing.then(
        () => 'written',
        (err: unknown) => {
          assert.ok(isThreadError(err), String(err));
          return 'rejected';
        },
      );
      assert.equal(fs.existsSync(out('e')), outcome === 'written');
      await log.until('restarted', 2);
      assert.equal(w.stagingThreadRestarts, 2);
      await write(7, 'f');
    } finally {
      await w.close();
    }
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      for (const [n, seq] of [
        ['a', 1],
        ['c', 4],
        ['d', 5],
        ['f', 7],
      ] as const) {
        const read = await conn.runAndReadAll(
          `select count(*)::int n, min(stream_seq)::int seq from '${out(n)}'`,
        );
        assert.deepEqual(read.getRowObjects(), [{ n: variedRecord(seq).offers.length, seq }]);
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  test('a thread dying under the lake writer sends no record to dead letters', {
    timeout: 60_000,
  }, async () => {
    const dir = path.join(root, 'lake');
    const open = (name: string) =>
      openTestStream(path.join(dir, 'stream'), name, { dedupeWindowMs: 60_000 });
    const shopping = await open('shopping');
    const deadLetters = await open('dead-letters');
    const base = Date.parse('2026-11-26T05:00:00.000Z');
    const records = [0, 1].map((i) =>
      variedRecord(i, { receivedAtMs: base + i * 1000, vendor: 'generic' }),
    );
    await shopping.append(records.map(recordAppend));
    const dataDir = path.join(dir, 'data');
    const log = eventLog();
    let up = true;
    const inner = await DuckDBParquetWriter.open({
      stagingDir: path.join(dataDir, 'tmp'),
      onStagingThreadEvent: (e) => {
        up = e.type === 'restarted';
        log.onEvent(e);
      },
    });
    // The thread dies under each of the first 3 writes (the file's, or the probes a
    // bisection would make): enough to single out a record of the 2 if it were bisected.
    let crashes = 3;
    const parquet: ParquetWriter = {
      columns: (t) => inner.columns(t),
      close: () => inner.close(),
      async write(items: readonly LakeInput[], outputs: readonly ParquetOutput[]) {
        if (crashes > 0) {
          if (!up) await log.until('restarted', 1, log.events.length);
          crashes--;
          inner.crashStagingThreadForTesting('exit');
        }
        await inner.write(items, outputs);
      },
    };
    const writer = await startLocalLakeWriter({
      stream: shopping,
      sideStreams: { deadLetters },
      config: writerConfig(dataDir, {
        // one file of both records, closed as the second arrives
        rotateSeconds: 3600,
        rotateBytes: encodeRecord(records[0]!).length + 1,
        batch: { count: 100, periodMs: 20 },
      }),
      logger: silentLogger,
      parquet,
    });
    try {
      const settled = () => {
        const s = writer.stats();
        return (s.bySource.shopping?.records ?? 0) + s.badRecords >= records.length;
      };
      while (!settled()) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await writer.stop();
      await inner.close();
    }
    try {
      assert.equal(writer.stats().badRecords, 0);
      assert.equal((await deadLetters.info()).records, 0, 'a good record was dead-lettered');
      assert.equal(crashes, 0);
      const q = await openLakeReader(dataDir);
      try {
        assert.deepEqual(await q.all('select count(*) n from searches'), [{ n: records.length }]);
      } finally {
        await q.close();
      }
    } finally {
      await shopping.close();
      await deadLetters.close();
    }
  });

  test('close() after a restart ends the thread, and the process exits on its own', {
    timeout: 60_000,
  }, async () => {
    const dir = path.join(root, 'exit');
    const url = (...p: string[]) => pathToFileURL(path.join(import.meta.dirname, ...p)).href;
    const script = `
      import { createHook } from 'node:async_hooks';
      import { join } from 'node:path';
      const workers = new Set();
      createHook({ init: (id, type) => type === 'WORKER' && workers.add(id), destroy: (id) => workers.delete(id) }).enable();
      const { DuckDBParquetWriter } = await import(${JSON.stringify(url('duckdb-parquet-writer.ts'))});
      const { encodeRecord } = await import(${JSON.stringify(url('..', '..', 'model', 'codec.ts'))});
      const { variedRecord } = await import(${JSON.stringify(url('..', '..', 'model', 'testing', 'records.ts'))});
      const dir = ${JSON.stringify(dir)};
      let restarted;
      const up = new Promise((r) => (restarted = r));
      const w = await DuckDBParquetWriter.open({
        stagingDir: join(dir, 'tmp'),
        onStagingThreadEvent: (e) => e.type === 'restarted' && restarted(),
      });
      const write = (seq) => w.write([{ shard: 0, seq, data: encodeRecord(variedRecord(seq)) }], [{ table: 'offers', path: join(dir, seq + '.parquet') }]);
      await write(1);
      w.crashStagingThreadForTesting('terminate');
      const keepAlive = setInterval(() => {}, 1000); // a restart does not hold the process
      await up;
      clearInterval(keepAlive);
      await write(2);
      await w.close();
      // a worker's destroy hook comes some turns after its exit (a CI run counted one left
      // after a single turn): wait for it, up to 2 s
      for (let i = 0; workers.size > 0 && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
      console.log('closed restarts=' + w.stagingThreadRestarts + ' workers=' + workers.size);
    `;
    const { code, out } = await runScript(script);
    assert.equal(out, 'closed restarts=1 workers=0');
    assert.equal(code, 0);
    assert.ok(fs.existsSync(path.join(dir, '2.parquet')));
  });
});
