/**
 * The ETL engine on its thread gives the inline engine's answers and passes a job's SQL
 * error back with its message. A thread that dies is the ObjectThread's test: ending this
 * one while DuckDB runs a query aborts the whole process (`terminate called after
 * throwing an instance of 'Napi::Error'`, seen in CI), so no test kills it mid-build.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createGenerator } from '../../generator/generator.js';
import { defaultPondJobs } from '../default-ponds.js';
import type { InputFiles } from '../etl-engine.js';
import type { JobDefinition } from '../job.js';
import { writeLakeRecords } from '../testing/lake-fixture.js';
import { DuckDBEtlEngine } from './duckdb-etl-engine.js';
import { EtlEngineThreadError, startEtlEngineThread } from './etl-engine-thread.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-etl-thread-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const walk = (d: string): string[] =>
  fs
    .readdirSync(d, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));

let job: JobDefinition;
let files: InputFiles;

before(async () => {
  const start = Date.parse('2026-03-08T20:00:00Z');
  const g = createGenerator({ seed: 3, start: new Date(start) });
  const records = Array.from({ length: 200 }, (_, i) => g.next(new Date(start + i * 400_000)));
  await writeLakeRecords(dir, records);
  job = defaultPondJobs().find((j) => j.name === 'market_demand_daily')!;
  const all = walk(path.join(dir, 'lake'));
  files = { searches: all.filter((f) => f.includes('/searches/')) };
  assert.ok(files.searches!.length > 1, 'records span several partitions');
});

/** The job with seconds of hashing before its first row: long enough to be caught mid-query. */
const slowJob = (): JobDefinition => ({
  ...job,
  sql: `SELECT * FROM (${job.sql}) AS j WHERE (SELECT sum(hash(range)) FROM range(0, 3000000000)) <> 0`,
});

describe('the ETL engine on its thread', () => {
  test('answers as the inline engine does', async () => {
    const inline = await DuckDBEtlEngine.open({ threads: 1 });
    const threaded = await startEtlEngineThread({ threads: 1 });
    try {
      const keys = await threaded.affectedKeys(job, files);
      assert.deepEqual(keys, await inline.affectedKeys(job, files));
      assert.ok(keys.length >= 2, `keys: ${keys}`);
      assert.deepEqual(await threaded.describe(job), await inline.describe(job));
      const a = await inline.build(job, files, keys, path.join(dir, 'out-inline'));
      const b = await threaded.build(job, files, keys, path.join(dir, 'out-thread'));
      assert.deepEqual(
        { rows: b.rows, partitions: b.partitions },
        { rows: a.rows, partitions: a.partitions },
      );
      assert.ok(b.rows > 0 && b.bytes > 0);
    } finally {
      await threaded.close();
      await inline.close();
    }
  });

  test('a stop interrupts a build in flight, inline and on the thread, and the engine goes on', async () => {
    const slow = slowJob();
    const inline = await DuckDBEtlEngine.open({ threads: 1 });
    const threaded = await startEtlEngineThread({ threads: 1 });
    try {
      const keys = await inline.affectedKeys(job, files);
      for (const [name, engine] of [
        ['inline', inline],
        ['thread', threaded],
      ] as const) {
        const stop = new AbortController();
        const building = engine.build(
          slow,
          files,
          keys,
          path.join(dir, `slow-${name}`),
          stop.signal,
        );
        setTimeout(() => stop.abort(), 300);
        await assert.rejects(building, /interrupt/i, `${name}: the build is interrupted`);
        // an aborted signal stops a call before it starts
        await assert.rejects(engine.affectedKeys(job, files, stop.signal), /interrupt/i);
        assert.deepEqual(await engine.affectedKeys(job, files), keys, `${name}: and goes on`);
      }
    } finally {
      await threaded.close();
      await inline.close();
    }
  });

  test('calls run one at a time, and a call stopped while it waits rejects at once', async () => {
    const slow = slowJob();
    const inline = await DuckDBEtlEngine.open({ threads: 1 });
    const threaded = await startEtlEngineThread({ threads: 1 });
    const settled = (p: Promise<unknown>) => {
      const s = { done: false };
      p.then(
        () => (s.done = true),
        () => (s.done = true),
      );
      return s;
    };
    try {
      const keys = await inline.affectedKeys(job, files);
      inline.instances.most = 0;
      // inline: a second call waits for the first to close its DuckDB instance
      const stopA = new AbortController();
      const a = inline.build(slow, files, keys, path.join(dir, 'lane-a'), stopA.signal);
      while (inline.instances.open === 0) await new Promise((r) => setTimeout(r, 20));
      const b = inline.affectedKeys(job, files);
      const bState = settled(b);
      await Promise.race([b, new Promise((r) => setTimeout(r, 1000))]);
      assert.equal(bState.done, false, 'the second call waits while the first runs');
      stopA.abort();
      await assert.rejects(a, /interrupt/i);
      assert.deepEqual(await b, keys, 'then runs');
      assert.equal(inline.instances.most, 1, 'never two DuckDB instances at once');

      // on the thread: a waiting call's stop reaches it by its id, and the running one goes on
      const stopR = new AbortController();
      const running = threaded.build(slow, files, keys, path.join(dir, 'lane-r'), stopR.signal);
      const rState = settled(running);
      const stopW = new AbortController();
      const waiting = threaded.affectedKeys(job, files, stopW.signal);
      setTimeout(() => stopW.abort(), 300);
      await assert.rejects(waiting, /interrupt/i, 'the waiting call is stopped');
      assert.equal(rState.done, false, 'while the running one goes on');
      stopR.abort();
      await assert.rejects(running, /interrupt/i);
      assert.deepEqual(await threaded.affectedKeys(job, files), keys, 'and the engine goes on');
    } finally {
      await threaded.close();
      await inline.close();
    }
  });

  test("a job's SQL error comes back with DuckDB's message", async () => {
    const threaded = await startEtlEngineThread({ threads: 1 });
    try {
      const bad = { ...job, sql: 'SELECT no_such_column FROM searches' };
      await assert.rejects(threaded.describe(bad), (err: Error) => {
        assert.ok(!(err instanceof EtlEngineThreadError), 'the thread is fine');
        assert.match(err.message, /no_such_column/);
        return true;
      });
      assert.equal((await threaded.describe(job)).length > 0, true, 'and goes on');
    } finally {
      await threaded.close();
    }
  });
});
