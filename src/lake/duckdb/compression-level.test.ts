/**
 * The zstd level of lake files is a setting that reaches the files: the writer's and the
 * merger's levels change the bytes written (never the rows), and a level zstd does not
 * have is refused before anything is written.
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

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-zstd-level-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const inputs = Array.from({ length: 400 }, (_, i) => ({
  shard: 0,
  seq: i + 1,
  data: encodeRecord(variedRecord(i + 1)),
}));

/** Rows of a Parquet file, in file order, as text (exact comparison of every value). */
async function rows(file: string): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(`SELECT CAST(t AS VARCHAR) FROM read_parquet('${file}') t`);
    return r.getRows().map((row) => String(row[0]));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

async function writeOffers(level: number | undefined, name: string): Promise<string> {
  const out = path.join(root, `${name}.parquet`);
  const writer = await DuckDBParquetWriter.open({
    stagingDir: path.join(root, 'staging'),
    stagingThread: false,
    ...(level === undefined ? {} : { compressionLevel: level }),
  });
  try {
    await writer.write(inputs, [{ table: 'offers', path: out }]);
  } finally {
    await writer.close();
  }
  return out;
}

test('the writer writes at its level: the same rows, fewer bytes at a higher level', async () => {
  const byDefault = await writeOffers(undefined, 'default');
  const one = await writeOffers(1, 'one');
  const nineteen = await writeOffers(19, 'nineteen');
  assert.equal(fs.statSync(byDefault).size, fs.statSync(one).size, 'the default is level 1');
  assert.ok(
    fs.statSync(nineteen).size < fs.statSync(one).size,
    `level 19 (${fs.statSync(nineteen).size} B) is smaller than level 1 (${fs.statSync(one).size} B)`,
  );
  const expected = await rows(one);
  assert.ok(expected.length > 400, 'several offers per search');
  assert.deepEqual(await rows(nineteen), expected);
});

test('the merger writes at its level, default 9', async () => {
  const source = await writeOffers(1, 'merge-source');
  const merged = async (level: number | undefined, name: string) => {
    const merger = await DuckDBParquetMerger.open(
      level === undefined ? {} : { compressionLevel: level },
    );
    const target = path.join(root, `${name}.parquet`);
    try {
      await merger.merge([source], target, ['stream_shard', 'stream_seq', 'offer_index']);
    } finally {
      await merger.close();
    }
    return target;
  };
  const one = await merged(1, 'merged-1');
  const byDefault = await merged(undefined, 'merged-default');
  const nine = await merged(9, 'merged-9');
  assert.equal(fs.statSync(byDefault).size, fs.statSync(nine).size, 'the default is level 9');
  assert.ok(fs.statSync(nine).size < fs.statSync(one).size);
  assert.deepEqual(await rows(nine), await rows(source));
});

test('a level zstd does not have is refused by the engines', async () => {
  for (const bad of [0, 23, 1.5]) {
    await assert.rejects(
      DuckDBParquetWriter.open({ stagingDir: path.join(root, 'staging'), compressionLevel: bad }),
      { name: 'RangeError', message: new RegExp(`not ${bad}`) },
    );
    await assert.rejects(DuckDBParquetMerger.open({ compressionLevel: bad }), {
      name: 'RangeError',
    });
  }
});
