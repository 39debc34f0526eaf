import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBParquetWriter } from '../../lake/duckdb/duckdb-parquet-writer.js';
import { fileKey, lakeRoot, partitionOf } from '../../lake/lake-layout.js';
import { applyLifecycleAction, planLocalLifecycle } from '../../lake/lifecycle/local-lifecycle.js';
import { LocalObjectStore } from '../../lake/object-store/local/local-object-store.js';
import { PARTITION_COLUMNS, SOURCE_TABLES, TABLE_COLUMNS } from '../../lake/tables.js';
import { encodeRecord } from '../../model/codec.js';
import { variedRecord } from '../../model/testing/records.js';
import { QueryError } from '../errors.js';
import { openLakeQuery } from '../open-lake-query.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-26T04:00:00.000Z');

/** Writes `perHour` records into each of hours 04, 05 and 06 of 2026-11-26, one file per hour. */
async function writeLake(dataDir: string, perHour: number): Promise<void> {
  const store = new LocalObjectStore(lakeRoot(dataDir));
  const writer = await DuckDBParquetWriter.open({ stagingDir: path.join(dataDir, 'tmp') });
  try {
    for (let h = 0; h < 3; h++) {
      const inputs = Array.from({ length: perHour }, (_, i) => {
        const seq = h * perHour + i + 1;
        return {
          shard: 0,
          seq,
          data: encodeRecord(variedRecord(seq, { receivedAtMs: T0 + h * HOUR + i * 1000 })),
        };
      });
      const part = partitionOf('generic', T0 + h * HOUR);
      const range = { shard: 0, first: inputs[0]!.seq, last: inputs[inputs.length - 1]!.seq };
      for (const table of SOURCE_TABLES.shopping) {
        const local = path.join(dataDir, 'tmp', `${table}-${h}.parquet`);
        await writer.write(inputs, [{ table, path: local }]);
        await store.putFile(fileKey(table, part, range), local);
      }
    }
  } finally {
    await writer.close();
  }
}

describe('lake query (DuckDB)', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-query-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('an empty lake has typed, empty tables', async () => {
    const q = await openLakeQuery({ dataDir: path.join(tmp, 'empty') });
    try {
      assert.deepEqual(await q.all('select count(*) as n from searches'), [{ n: 0 }]);
      assert.deepEqual(await q.all('select count(*) as n from offers'), [{ n: 0 }]);
      const cols = await q.all(
        "select column_name, data_type from information_schema.columns where table_name = 'offers'",
      );
      assert.deepEqual(
        cols.map((c) => c.column_name),
        [...TABLE_COLUMNS.offers, ...PARTITION_COLUMNS].map((c) => c.name),
      );
      assert.deepEqual(
        await q.all("select count(*) n from offers where dt = '2026-11-26' and hour = '05'"),
        [{ n: 0 }],
      );
    } finally {
      await q.close();
    }
  });

  test('files that land after open are seen by the next query', async () => {
    const dataDir = path.join(tmp, 'late');
    const q = await openLakeQuery({ dataDir });
    try {
      assert.deepEqual(await q.all('select count(*) as n from searches'), [{ n: 0 }]);
      await writeLake(dataDir, 4);
      assert.deepEqual(await q.all('select count(*) as n from searches'), [{ n: 12 }]);
    } finally {
      await q.close();
    }
  });

  test('archived partitions are read only when asked, each row once', async () => {
    const dataDir = path.join(tmp, 'archive');
    await writeLake(dataDir, 4);
    // All of 2026-11-26 goes to the archive, as the lifecycle moves it (one rename of the dt directory).
    const plan = await planLocalLifecycle({
      dataDir,
      policy: { archiveAfterDays: 1, deleteAfterDays: 0 },
      today: '2026-11-28',
    });
    assert.deepEqual(
      plan.map((a) => `${a.kind} ${a.table}`),
      ['archive offers', 'archive searches'],
    );
    for (const a of plan) await applyLifecycleAction(a);
    const count = async (includeArchive?: boolean) => {
      const q = await openLakeQuery({ dataDir, includeArchive });
      try {
        return await q.all(
          'select count(*) n, count(distinct id) ids, max(hour) last_hour from searches',
        );
      } finally {
        await q.close();
      }
    };
    assert.deepEqual(await count(), [{ n: 0, ids: 0, last_hour: null }]);
    assert.deepEqual(await count(true), [{ n: 12, ids: 12, last_hour: 6 }]);
  });

  test('values come back JSON-friendly', async () => {
    const dataDir = path.join(tmp, 'values');
    await writeLake(dataDir, 3);
    const q = await openLakeQuery({ dataDir });
    try {
      const [o] = await q.all("select * from offers where search_id = 'rec-1' and offer_index = 0");
      assert.ok(o);
      assert.equal(o.received_at, '2026-11-26T04:00:00.000Z');
      assert.equal(o.departure_date, '2026-12-20');
      assert.equal(o.dt, '2026-11-26');
      assert.equal(o.hour, 4);
      assert.equal(o.vendor, 'generic');
      assert.equal(o.total_amount, 101);
      assert.equal(o.tax_amount, 20);
      assert.equal(o.stream_seq, 1);
      assert.deepEqual(o.carriers, ['BA']);
      assert.deepEqual(
        (o.legs as { segments: { flight_number: string }[] }[])[0]!.segments[0]!.flight_number,
        '100',
      );
      const [big] = await q.all(
        'select 9007199254740993::BIGINT as b, 12345678901234567.125::DECIMAL(38,3) as d, 0.1::DECIMAL(18,3) as small',
      );
      assert.deepEqual(big, { b: '9007199254740993', d: '12345678901234567.125', small: 0.1 });
    } finally {
      await q.close();
    }
  });

  test("a filter on dt and hour reads only that hour's files", async () => {
    const dataDir = path.join(tmp, 'prune');
    await writeLake(dataDir, 5);
    const q = await openLakeQuery({ dataDir });
    try {
      const filesRead = async (sql: string) => {
        const rows = await q.all(`explain analyze ${sql}`);
        const text = rows.map((r) => Object.values(r).join('\n')).join('\n');
        const m = /Total Files Read:\s*(\d+)/.exec(text);
        assert.ok(m, `no file count in the plan:\n${text}`);
        return Number(m[1]);
      };
      assert.equal(await filesRead('select id from searches'), 3);
      assert.equal(
        await filesRead("select id from searches where dt = '2026-11-26' and hour = '05'"),
        1,
      );
      assert.deepEqual(
        await q.all("select count(*) n from searches where dt = '2026-11-26' and hour = '05'"),
        [{ n: 5 }],
      );
    } finally {
      await q.close();
    }
  });

  test('stream yields batches; a SQL error is a one-line QueryError', async () => {
    const q = await openLakeQuery({ dataDir: path.join(tmp, 'empty') });
    try {
      let rows = 0;
      let batches = 0;
      for await (const b of q.stream('select * from range(5000)')) {
        rows += b.length;
        batches++;
      }
      assert.equal(rows, 5000);
      assert.ok(batches > 1, 'rows arrive in more than one batch');
      await assert.rejects(q.all('select nope from searches'), (err: unknown) => {
        assert.ok(err instanceof QueryError);
        assert.match(err.message, /nope/);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
      await assert.rejects(q.all('selec 1'), QueryError);
    } finally {
      await q.close();
    }
  });
});
