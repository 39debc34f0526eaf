import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lakeRoot } from '../../lake/lake-layout.js';
import { applyLifecycleAction, planLocalLifecycle } from '../../lake/lifecycle/local-lifecycle.js';
import { LocalObjectStore } from '../../lake/object-store/local/local-object-store.js';
import type { LakeTable } from '../../lake/tables.js';
import { type LakeFiles, LocalLakeFiles } from '../lake-files.js';
import { runLakeQuerySuite, writeLake as writeLakeFiles } from '../testing/lake-query-suite.js';
import { DuckDBLakeQuery } from './duckdb-lake-query.js';

/** Writes `perHour` records into each of hours 04, 05 and 06 of 2026-11-26, one file per hour. */
const writeLake = (dataDir: string, perHour: number) =>
  writeLakeFiles(new LocalObjectStore(lakeRoot(dataDir)), stagingDir(dataDir), perHour);

/** Makes every lake file under `dataDir` whose path (from the lake root) passes `which` unreadable; returns them. */
function breakFiles(dataDir: string, which: (f: string) => boolean): string[] {
  const files = fs
    .readdirSync(lakeRoot(dataDir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.parquet') && which(f));
  assert.ok(files.length > 0, 'no file to break');
  for (const f of files) fs.writeFileSync(path.join(lakeRoot(dataDir), f), 'not parquet');
  return files;
}

/** The lake files of `dataDir`, each table listed recorded in `listed`; `alter` may change a listing. */
function recordedFiles(
  dataDir: string,
  listed: LakeTable[],
  alter: (files: string[]) => string[] = (files) => files,
): LakeFiles {
  const local = new LocalLakeFiles(lakeRoot(dataDir));
  return {
    files: async (table) => {
      const files = await local.files(table);
      listed.push(table);
      return alter(files);
    },
  };
}

const stagingDir = (dataDir: string) => {
  const dir = path.join(dataDir, 'tmp');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
};

runLakeQuerySuite({
  name: 'DuckDB',
  create: async (dir) => ({
    query: await DuckDBLakeQuery.open({ dataDir: dir }),
    store: new LocalObjectStore(lakeRoot(dir)),
  }),
});

describe('lake query (DuckDB)', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-query-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

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
      const q = await DuckDBLakeQuery.open({ dataDir, includeArchive });
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

  test("a filter on dt and hour reads only that hour's files", async () => {
    const dataDir = path.join(tmp, 'prune');
    await writeLake(dataDir, 5);
    const q = await DuckDBLakeQuery.open({ dataDir });
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

  test('a query lists the files of the tables it names only', async () => {
    const dataDir = path.join(tmp, 'named');
    await writeLake(dataDir, 2);
    const listed: LakeTable[] = [];
    const q = await DuckDBLakeQuery.open({ dataDir, files: recordedFiles(dataDir, listed) });
    try {
      listed.length = 0;
      assert.deepEqual(await q.all('select count(*) n from dead_letters'), [{ n: 0 }]);
      assert.deepEqual(listed, ['dead_letters']);
      listed.length = 0;
      assert.deepEqual(await q.all('SELECT count(*) AS n FROM "Searches"'), [{ n: 6 }]);
      assert.deepEqual(listed, ['searches']);
      // one naming no table may read them through a view of the user's own
      await q.all("create view mine as select * from searches where vendor = 'generic'");
      listed.length = 0;
      assert.deepEqual(await q.all('select count(*) n from mine'), [{ n: 6 }]);
      assert.deepEqual(listed.sort(), ['dead_letters', 'ingest_stats', 'offers', 'searches']);
      // one naming a table and a view of the user's own refreshes what the view reads too:
      // the view over dead letters must not answer from its files as listed before
      await q.all('create view rejected as select * from dead_letters');
      listed.length = 0;
      await q.all('select (select count(*) from rejected) r, count(*) s from searches');
      assert.deepEqual(listed.sort(), ['dead_letters', 'ingest_stats', 'offers', 'searches']);
    } finally {
      await q.close();
    }
  });

  test('a filter on dt and hour opens no file of another hour', async () => {
    const dataDir = path.join(tmp, 'unopened');
    await writeLake(dataDir, 5);
    // Every file of hour 04 becomes unreadable (once the engine is open): a query that
    // opens one fails.
    const q = await DuckDBLakeQuery.open({ dataDir });
    breakFiles(dataDir, (f) => f.startsWith('searches/') && f.includes('/hour=04/'));
    try {
      assert.deepEqual(
        await q.all(
          "select count(*) n from searches where dt = '2026-11-26' and hour >= 5 order by 1 limit 10",
        ),
        [{ n: 10 }],
      );
      await assert.rejects(q.all('select count(*) n from searches'));
      // a join reads the whole table: no pruning
      await assert.rejects(
        q.all(
          "select count(*) from searches a join searches b using (id) where a.dt = '2026-11-26' and a.hour = 5",
        ),
      );
    } finally {
      await q.close();
    }
  });

  test('opening reads no file, and a query reads only the tables it names', async () => {
    const dataDir = path.join(tmp, 'lazy');
    await writeLake(dataDir, 3);
    // every offers file unreadable before the engine opens
    breakFiles(dataDir, (f) => f.startsWith('offers/'));
    const q = await DuckDBLakeQuery.open({ dataDir });
    try {
      assert.deepEqual(await q.all('select count(*) n from searches'), [{ n: 9 }]);
      await assert.rejects(q.all('select count(*) n from offers'), {
        name: 'QueryError',
        message: /offers\/.*parquet/,
      });
      // the failure is the offers table's alone
      assert.deepEqual(await q.all('select count(*) n from searches'), [{ n: 9 }]);
    } finally {
      await q.close();
    }
  });

  test('a file deleted between the listing and the reading of its footer is listed again', async () => {
    const dataDir = path.join(tmp, 'vanished');
    await writeLake(dataDir, 2);
    const listed: LakeTable[] = [];
    // the first listing names a file a compaction has since deleted
    const q = await DuckDBLakeQuery.open({
      dataDir,
      files: recordedFiles(dataDir, listed, (files) =>
        listed.length === 1 ? [...files, `${files[0]}.gone.parquet`] : files,
      ),
    });
    try {
      assert.deepEqual(await q.all('select count(*) n from searches'), [{ n: 6 }]);
      // the retry lists every table again (as after a vanished file in a query)
      assert.equal(listed.filter((t) => t === 'searches').length, 2);
    } finally {
      await q.close();
    }
  });
});
