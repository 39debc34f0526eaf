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
import {
  DuckDBParquetMerger,
  MERGE_ROW_GROUP_SIZE,
  scaledMemoryLimit,
} from './duckdb-parquet-merger.js';
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

test('a merge whose sort needs more than memoryLimit spills into spillDir, not the working directory', async () => {
  // 4 million rows with a 40-character column: about 200 MB to sort, over a 128 MB limit
  const source = path.join(root, 'big.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(
      `COPY (SELECT (i * 7919) % 4000000 AS k, repeat('x', 30) || i::VARCHAR AS v FROM range(4000000) t(i)) TO '${source}' (FORMAT parquet)`,
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  const spillDir = path.join(root, 'spill');
  const cwdTmp = path.join(process.cwd(), '.tmp');
  const hadCwdTmp = fs.existsSync(cwdTmp);
  const merger = await DuckDBParquetMerger.open({ memoryLimit: '128MB', spillDir });
  const seen: string[] = [];
  const watch = setInterval(() => {
    if (fs.existsSync(spillDir)) seen.push(...fs.readdirSync(spillDir));
  }, 5);
  const target = path.join(root, 'big-merged.parquet');
  try {
    assert.deepEqual(await merger.merge([source], target, ['k']), { rows: 4_000_000 });
  } finally {
    clearInterval(watch);
    await merger.close();
  }
  assert.ok(seen.length > 0, 'the sort spilled into spillDir');
  assert.equal(fs.existsSync(cwdTmp), hadCwdTmp, 'nothing spilled into ./.tmp');
  const check = await DuckDBInstance.create(':memory:');
  const c = await check.connect();
  try {
    const r = await c.runAndReadAll(
      `SELECT count(*) FILTER (WHERE k < lag_k) AS out_of_order, count(*) AS n FROM (SELECT k, lag(k) OVER () AS lag_k FROM read_parquet('${target}'))`,
    );
    assert.deepEqual(r.getRows()[0]!.map(Number), [0, 4_000_000]);
  } finally {
    c.closeSync();
    check.closeSync();
  }
});

test('a merge that needs more than memoryLimit even with spilling runs again at 4 times the limit', async () => {
  // the source of the test before: at 32 MB DuckDB cannot hold what must stay in memory,
  // at 128 MB the sort spills (the test before)
  const source = path.join(root, 'big.parquet');
  const merger = await DuckDBParquetMerger.open({
    memoryLimit: '32MB',
    spillDir: path.join(root, 'spill-2'),
  });
  try {
    const target = path.join(root, 'big-merged-2.parquet');
    assert.deepEqual(await merger.merge([source], target, ['k']), {
      rows: 4_000_000,
      overLimit: '128MB',
    });
    assert.equal(merger.mergesOverLimit, 1);
    // the next merge is back under the limit, on a new instance
    const small = path.join(root, 'small-merged.parquet');
    assert.deepEqual(await merger.merge([path.join(root, 'source-0.parquet')], small, []), {
      rows: 2,
    });
    assert.equal(merger.mergesOverLimit, 1);
  } finally {
    await merger.close();
  }
});

test('a merge that does not fit in 4 times the limit either runs without one', async () => {
  const source = path.join(root, 'big.parquet');
  const merger = await DuckDBParquetMerger.open({
    memoryLimit: '6MB',
    spillDir: path.join(root, 'spill-3'),
  });
  try {
    assert.deepEqual(await merger.merge([source], path.join(root, 'big-merged-3.parquet'), ['k']), {
      rows: 4_000_000,
      overLimit: 'none',
    });
    assert.equal(merger.mergesOverLimit, 1);
  } finally {
    await merger.close();
  }
});

/** Writes `select` (DuckDB SQL) to a Parquet file under root; its path. */
async function parquet(name: string, select: string): Promise<string> {
  const file = path.join(root, name);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  return file;
}

/** [rows out of `k` order, rows] of a merged file. */
async function outOfOrder(file: string): Promise<number[]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const r = await c.runAndReadAll(
      `SELECT count(*) FILTER (WHERE k < lag_k), count(*) FROM (SELECT k, lag(k) OVER () AS lag_k FROM read_parquet('${file}'))`,
    );
    return r.getRows()[0]!.map(Number);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

test('sources whose key ranges do not overlap are copied in key order, within a limit their sort does not fit', async () => {
  // four files of 500,000 sorted rows each, key ranges apart, given out of order: sorted
  // together they need more than 32 MB (the tests above), copied in order they do not
  const sources: string[] = [];
  for (const j of [2, 0, 3, 1])
    sources.push(
      await parquet(
        `apart-${j}.parquet`,
        `SELECT i AS k, repeat('x', 30) || i::VARCHAR AS v FROM range(${j * 500_000}, ${(j + 1) * 500_000}) t(i)`,
      ),
    );
  const merger = await DuckDBParquetMerger.open({
    memoryLimit: '32MB',
    spillDir: path.join(root, 'spill-4'),
  });
  const target = path.join(root, 'apart-merged.parquet');
  try {
    assert.deepEqual(await merger.merge(sources, target, ['k']), {
      rows: 2_000_000,
      concatenated: true,
    });
    assert.equal(merger.mergesOverLimit, 0);
  } finally {
    await merger.close();
  }
  assert.deepEqual(await outOfOrder(target), [0, 2_000_000]);
});

/** Rows of each row group of a Parquet file, in order. */
async function rowGroups(file: string): Promise<number[]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const r = await c.runAndReadAll(
      `SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata('${file}') ORDER BY 1`,
    );
    return r.getRows().map((row) => Number(row[1]));
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

test('a copy in key order runs at inOrderCopyLimit, and again at the merge limit when it does not fit there', async () => {
  // two files of 100,000 rows, key ranges apart: copied in order, never sorted
  const sources = [
    await parquet(
      'low-limit-1.parquet',
      'SELECT i AS k, i::VARCHAR AS v FROM range(100000, 200000) t(i)',
    ),
    await parquet(
      'low-limit-0.parquet',
      'SELECT i AS k, i::VARCHAR AS v FROM range(0, 100000) t(i)',
    ),
  ];
  for (const [limit, overLimit] of [
    [undefined, 0],
    ['1MB', 1],
  ] as const) {
    const merger = await DuckDBParquetMerger.open({
      spillDir: path.join(root, 'spill-low'),
      ...(limit ? { inOrderCopyLimit: limit } : {}),
    });
    const target = path.join(root, `low-limit-merged-${overLimit}.parquet`);
    try {
      assert.deepEqual(await merger.merge(sources, target, ['k']), {
        rows: 200_000,
        concatenated: true,
      });
      assert.equal(merger.inOrderCopiesOverLimit, overLimit, `inOrderCopyLimit ${limit}`);
      assert.equal(merger.mergesOverLimit, 0);
    } finally {
      await merger.close();
    }
    assert.deepEqual(await outOfOrder(target), [0, 200_000]);
    // row groups of about MERGE_ROW_GROUP_SIZE rows (DuckDB may add up to a vector of
    // 2,048 rows to one), not DuckDB's 122,880: the writer holds a row group whole
    const groups = await rowGroups(target);
    assert.ok(Math.max(...groups) <= MERGE_ROW_GROUP_SIZE + 2048, `${groups}`);
    assert.equal(
      groups.reduce((x, y) => x + y),
      200_000,
    );
  }
});

test('sources whose key ranges overlap, or a source out of order inside, are sorted', async () => {
  const even = await parquet('even.parquet', 'SELECT i * 2 AS k FROM range(1000) t(i)');
  const odd = await parquet('odd.parquet', 'SELECT i * 2 + 1 AS k FROM range(1000) t(i)');
  // ranges apart, but the first file's own rows descend
  const down = await parquet('down.parquet', 'SELECT 999 - i AS k FROM range(1000) t(i)');
  const up = await parquet('up.parquet', 'SELECT 1000 + i AS k FROM range(1000) t(i)');
  const merger = await DuckDBParquetMerger.open({});
  try {
    for (const [name, sources] of [
      ['overlapping', [odd, even]],
      ['out of order inside', [up, down]],
    ] as const) {
      const target = path.join(root, `${name.replaceAll(' ', '-')}.parquet`);
      assert.deepEqual(await merger.merge(sources, target, ['k']), { rows: 2000 }, name);
      assert.deepEqual(await outOfOrder(target), [0, 2000], name);
    }
  } finally {
    await merger.close();
  }
});

test('sources of different schemas (a column added, columns reordered) are matched by name', async () => {
  // older files without `note`; one whose columns come in another order (the same schema by name)
  const before = await parquet(
    'old-a.parquet',
    'SELECT i AS k, i * 10 AS v FROM range(0, 100) t(i)',
  );
  const after = await parquet(
    'new-b.parquet',
    "SELECT 'n' || i::VARCHAR AS note, i * 10 AS v, i AS k FROM range(100, 200) t(i)",
  );
  const apart = await parquet(
    'old-c.parquet',
    'SELECT i AS k, i * 10 AS v FROM range(200, 300) t(i)',
  );
  const mixed = await parquet(
    'old-d.parquet',
    'SELECT i AS k, i * 10 AS v FROM range(50, 150) t(i)',
  );
  const turned = await parquet(
    'old-e.parquet',
    'SELECT i * 10 AS v, i AS k FROM range(300, 400) t(i)',
  );
  const merger = await DuckDBParquetMerger.open({});
  try {
    for (const [name, sources, want, notes] of [
      ['in order', [apart, after, before], { rows: 300, concatenated: true }, ['100', 'n100']],
      ['sorted', [mixed, after, before], { rows: 300 }, ['100', 'n100']],
      ['reordered', [turned, before], { rows: 200, concatenated: true }, undefined],
    ] as const) {
      const target = path.join(root, `schemas-${name.replace(' ', '-')}.parquet`);
      assert.deepEqual(await merger.merge(sources, target, ['k']), want, name);
      assert.deepEqual(await outOfOrder(target), [0, want.rows], name);
      const db = await DuckDBInstance.create(':memory:');
      const c = await db.connect();
      try {
        const r = await c.runAndReadAll(
          `SELECT count(*) FILTER (WHERE v = k * 10) FROM read_parquet('${target}')`,
        );
        assert.equal(Number(r.getRows()[0]![0]), want.rows, `${name}: every v beside its k`);
        if (notes) {
          const n = await c.runAndReadAll(
            `SELECT count(note), min(note) FROM read_parquet('${target}')`,
          );
          assert.deepEqual(n.getRows()[0]!.map(String), notes, name);
        }
      } finally {
        c.closeSync();
        db.closeSync();
      }
    }
  } finally {
    await merger.close();
  }
});

test('scaledMemoryLimit multiplies a DuckDB memory limit, in MB', () => {
  assert.equal(scaledMemoryLimit('256MB', 4), '1024MB');
  assert.equal(scaledMemoryLimit('1.5GB', 2), '3072MB');
  assert.equal(scaledMemoryLimit('512 KiB', 4), '2MB');
  assert.equal(scaledMemoryLimit('80%', 4), undefined);
});
