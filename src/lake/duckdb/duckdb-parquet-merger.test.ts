/**
 * The merger renews its DuckDB instance every `mergesPerInstance` merges (an instance
 * keeps what its merges took until it closes), and a merge on a renewed instance writes
 * the same rows.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { encodeRecord } from '../../model/codec.js';
import { variedRecord } from '../../model/testing/records.js';
import { DuckDBParquetMerger } from './duckdb-parquet-merger.js';
import { DuckDBParquetWriter } from './duckdb-parquet-writer.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-merger-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

async function ids(file: string): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(
      `SELECT id FROM read_parquet('${file}') ORDER BY stream_seq`,
    );
    return r.getRows().map((row) => String(row[0]));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

test('renews its instance every mergesPerInstance merges, each merge whole', async () => {
  const writer = await DuckDBParquetWriter.open({
    stagingDir: path.join(root, 'staging'),
    stagingThread: false,
  });
  const sources: string[] = [];
  const want: string[][] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const records = [variedRecord(2 * i + 1), variedRecord(2 * i + 2)];
      const file = path.join(root, `source-${i}.parquet`);
      await writer.write(
        records.map((r, j) => ({ shard: 0, seq: 2 * i + j + 1, data: encodeRecord(r) })),
        [{ table: 'searches', path: file }],
      );
      sources.push(file);
      want.push(records.map((r) => r.id));
    }
  } finally {
    await writer.close();
  }
  const merger = await DuckDBParquetMerger.open({ mergesPerInstance: 2 });
  try {
    for (let i = 0; i < 5; i++) {
      const target = path.join(root, `merged-${i}.parquet`);
      assert.deepEqual(await merger.merge([sources[i]!], target, ['stream_shard', 'stream_seq']), {
        rows: 2,
      });
      assert.deepEqual(await ids(target), want[i]);
    }
    assert.equal(merger.instancesOpened, 3, 'instances for merges 1-2, 3-4 and 5');
  } finally {
    await merger.close();
  }
});
