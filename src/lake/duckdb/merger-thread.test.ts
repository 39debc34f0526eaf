/**
 * The merger on its thread writes what the inline merger writes, passes a bad source's
 * error back with its message, and a thread that dies fails its merge with
 * MergerThreadError (the partition is left for the next run).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { encodeRecord } from '../../model/codec.js';
import { variedRecord } from '../../model/testing/records.js';
import { DuckDBParquetWriter } from './duckdb-parquet-writer.js';
import { MergerThreadError, startMergerThread } from './merger-thread.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-merger-thread-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const sources: string[] = [];
const want: string[] = [];

before(async () => {
  const writer = await DuckDBParquetWriter.open({
    stagingDir: path.join(root, 'staging'),
    stagingThread: false,
  });
  try {
    for (let i = 0; i < 3; i++) {
      // later files carry lower seqs: the merge must sort them
      const seq = 10 - 3 * i;
      const records = [variedRecord(seq), variedRecord(seq + 1)];
      const file = path.join(root, `source-${i}.parquet`);
      await writer.write(
        records.map((r, j) => ({ shard: 0, seq: seq + j, data: encodeRecord(r) })),
        [{ table: 'searches', path: file }],
      );
      sources.push(file);
      want.unshift(...records.map((r) => r.id));
    }
  } finally {
    await writer.close();
  }
});

async function ids(file: string): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(`SELECT id FROM read_parquet('${file}')`);
    return r.getRows().map((row) => String(row[0]));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

test('merges on its thread, sorted, again after a release, and reports bad sources with their path', async () => {
  const merger = await startMergerThread({ compressionLevel: 3 });
  try {
    const target = path.join(root, 'merged.parquet');
    // the lake writer's sources: one shard each, in order, so copied in order without a sort
    assert.deepEqual(await merger.merge(sources, target, ['stream_shard', 'stream_seq']), {
      rows: 6,
      concatenated: true,
    });
    assert.deepEqual(await ids(target), want);
    // released (its DuckDB instance closed), it merges again on a new one
    await merger.release();
    const again = path.join(root, 'merged-after-release.parquet');
    assert.deepEqual(await merger.merge(sources, again, ['stream_shard', 'stream_seq']), {
      rows: 6,
      concatenated: true,
    });
    assert.deepEqual(await ids(again), want);
    const missing = path.join(root, 'no-such.parquet');
    await assert.rejects(
      merger.merge([missing], path.join(root, 'never.parquet'), []),
      (err: Error) => {
        assert.ok(!(err instanceof MergerThreadError), 'the thread is fine');
        assert.match(err.message, /merging into .*never\.parquet failed: .*no-such\.parquet/s);
        return true;
      },
    );
  } finally {
    await merger.close();
  }
});

test('a closed merger thread rejects with MergerThreadError', async () => {
  const merger = await startMergerThread();
  await merger.close();
  await assert.rejects(
    merger.merge(sources, path.join(root, 'after-close.parquet'), []),
    (err: Error) =>
      err instanceof MergerThreadError && /the merger thread is closed/.test(err.message),
  );
});
