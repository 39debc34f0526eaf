/**
 * Compaction merges the small files of closed partitions while a reader loops over the
 * lake: every query, before, during and after, sees each row exactly once. A replay
 * afterwards writes nothing (the writer honours the manifest), and leftovers of a crashed
 * compaction are ignored by readers and removed by the next run. It lives in query/,
 * above the lake, because the reader's part is the query engine's: views re-listed at
 * each query, and a retry when a listed file vanished.
 */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compactLake } from '../../lake/compaction/compact-lake.js';
import { MANIFEST_NAME, readManifest } from '../../lake/compaction/partition-manifest.js';
import { DuckDBParquetMerger } from '../../lake/duckdb/duckdb-parquet-merger.js';
import { lakeRoot } from '../../lake/lake-layout.js';
import type { LakeWriterConfig } from '../../lake/lake-writer.js';
import { LAKE_GROUP } from '../../lake/lake-writer.js';
import { LocalObjectStore } from '../../lake/object-store/local/local-object-store.js';
import { recordingMerger } from '../../lake/testing/recording-merger.js';
import { startLocalLakeWriter } from '../../lake/testing/start-local-lake-writer.js';
import { openTestStream, recordAppend } from '../../lake/testing/test-stream.js';
import { writerConfig } from '../../lake/testing/writer-config.js';
import type { ShoppingRecord } from '../../model/shopping-record.js';
import { variedRecord } from '../../model/testing/records.js';
import { silentLogger } from '../../ops/logger.js';
import type { EmbeddedStream } from '../../stream/embedded/embedded-stream.js';
import type { LakeQuery } from '../lake-query.js';
import { DuckDBLakeQuery } from './duckdb-lake-query.js';

const BASE = Date.parse('2026-11-26T04:40:00.000Z');
const NOW = Date.parse('2026-11-26T07:10:00.000Z');
/** 240 records, one every 20 s from 04:40 to 06:00: partitions 04 and 05 (and 06 for the last). */
const RECORDS: ShoppingRecord[] = Array.from({ length: 240 }, (_, i) =>
  variedRecord(i, { receivedAtMs: BASE + i * 20_000, vendor: 'generic' }),
);

/** Every file under the lake (relative, sorted), manifests included. */
function lakeFiles(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.parquet') || f.endsWith('.json'))
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => !f.startsWith('_catalog'))
    .sort();
}

/** Runs a lake writer on `stream` until it has read `expected` records, then stops it; its stats. */
async function writeUntilRead(stream: EmbeddedStream, config: LakeWriterConfig, expected: number) {
  const writer = await startLocalLakeWriter({ stream, config, logger: silentLogger });
  const deadline = Date.now() + 20_000;
  while (writer.stats().read < expected && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  await writer.stop();
  assert.equal(writer.stats().read, expected);
  return writer.stats();
}

/** Rows and distinct keys of both tables: equal counts mean no row is read twice. */
async function counts(q: LakeQuery) {
  const [s] = await q.all('select count(*) n, count(distinct id) ids from searches');
  const [o] = await q.all(
    'select count(*) n, count(distinct (search_id, offer_index)) k from offers',
  );
  return { searches: s!.n, ids: s!.ids, offers: o!.n, offerKeys: o!.k };
}

/** What `counts` gives for `records`, each stored once. */
function countsOf(records: readonly ShoppingRecord[]) {
  const offers = records.reduce((n, r) => n + r.offers.length, 0);
  return { searches: records.length, ids: records.length, offers, offerKeys: offers };
}

describe('compaction', () => {
  let tmp: string;
  let stream: EmbeddedStream;
  let config: LakeWriterConfig;
  let root: string;
  let store: LocalObjectStore;
  let merger: DuckDBParquetMerger;

  const runWriter = (expected: number) => writeUntilRead(stream, config, expected);
  /** Compacts the test's lake (staging under the temporary directory) with `o`. */
  const compact = (
    o: Omit<Parameters<typeof compactLake>[0], 'store' | 'merger' | 'stagingDir' | 'logger'>,
  ) =>
    compactLake({
      store,
      merger,
      stagingDir: path.join(tmp, 'staging'),
      logger: silentLogger,
      ...o,
    });

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-compact-'));
    // a file per record: the hours have many small files to merge
    config = writerConfig(path.join(tmp, 'data'), {
      rotateSeconds: 60,
      rotateBytes: 1,
      batch: { count: 17, periodMs: 20 },
    });
    root = lakeRoot(config.dataDir);
    store = new LocalObjectStore(root);
    stream = await openTestStream(path.join(tmp, 'stream'), 'shopping', { shards: 2 });
    await stream.append(RECORDS.map(recordAppend));
    await runWriter(RECORDS.length);
    merger = await DuckDBParquetMerger.open();
  });

  after(async () => {
    await merger.close();
    await stream.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('says why it left each partition: the current hour, or after --before', async () => {
    const during = await compact({
      now: () => Date.parse('2026-11-26T05:30:00.000Z'),
      before: Date.parse('2026-11-26T04:00:00.000Z'),
      tables: ['searches'],
      graceMs: 0,
    });
    assert.equal(during.partitions, 0);
    const why = Object.fromEntries(during.left.map((l) => [l.partition, l.reason]));
    assert.deepEqual(why, {
      'searches/vendor=generic/dt=2026-11-26/hour=04/': 'not before --before',
      'searches/vendor=generic/dt=2026-11-26/hour=05/': 'current hour, still being written',
    });
  });

  test('a reader looping during compaction sees every row exactly once', async () => {
    const hour04 = 'searches/vendor=generic/dt=2026-11-26/hour=04/';
    const small04 = lakeFiles(root).filter((f) => f.startsWith(hour04));
    assert.ok(small04.length > 10, `many small files to merge (${small04.length})`);
    const q = await DuckDBLakeQuery.open({ dataDir: config.dataDir });
    const reader = await DuckDBLakeQuery.open({ dataDir: config.dataDir });
    try {
      assert.deepEqual(await counts(q), countsOf(RECORDS));
      let stop = false;
      let reads = 0;
      const loop = (async () => {
        while (!stop) {
          assert.deepEqual(await counts(reader), countsOf(RECORDS), `read ${reads}`);
          reads++;
        }
      })();
      let swaps = 0;
      const report = await compact({
        now: () => NOW,
        graceMs: 300,
        onSwap: async () => {
          swaps++;
          // Manifest swapped, sources still there: the state a glob would double-count.
          assert.deepEqual(await counts(q), countsOf(RECORDS), 'right after a swap');
        },
      });
      stop = true;
      await loop;
      assert.ok(reads > 0, 'the reader ran during compaction');
      assert.ok(swaps >= 4, 'searches and offers, hours 04 and 05 (and 06)');
      assert.equal(report.partitions, swaps);
      assert.equal(report.deleted, report.filesIn);
      assert.deepEqual(await counts(q), countsOf(RECORDS));
      // Each compacted partition is now one merged file plus its manifest.
      const after04 = lakeFiles(root).filter((f) => f.startsWith(hour04));
      assert.equal(after04.length, 2);
      assert.match(after04[0]!, /_manifest\.json$/);
      assert.match(after04[1]!, /\/c-[0-9a-f]{16}\.parquet$/);
      const m = (await readManifest(store, hour04))!;
      assert.equal(m.files.length, 1);
      assert.deepEqual(
        [...new Set(m.files[0]!.ranges.map((r) => r.shard))].sort(),
        [0, 1],
        'the merged file holds both shards',
      );
      const [row] = await q.all(
        "select count(*) n from searches where dt = '2026-11-26' and hour = 4",
      );
      assert.equal(m.files[0]!.rows, row!.n);
    } finally {
      await q.close();
      await reader.close();
    }
  });

  test('a replay after compaction writes no file and stores nothing twice', async () => {
    const before = lakeFiles(root);
    await stream.rewind(LAKE_GROUP, { time: 0 });
    const stats = await runWriter(RECORDS.length);
    assert.equal(stats.files, 0);
    assert.deepEqual(lakeFiles(root), before);
    const q = await DuckDBLakeQuery.open({ dataDir: config.dataDir });
    try {
      assert.deepEqual(await counts(q), countsOf(RECORDS));
    } finally {
      await q.close();
    }
  });

  test('late files and crash leftovers: readers ignore leftovers, the next run merges and cleans', async () => {
    const hour04 = 'searches/vendor=generic/dt=2026-11-26/hour=04/';
    // Leftovers of a crashed compaction: a merged file the manifest does not list, and a
    // source the manifest covers that was never deleted.
    const merged = lakeFiles(root).find((f) => f.startsWith(hour04) && f.includes('/c-'))!;
    fs.copyFileSync(path.join(root, merged), path.join(root, hour04, 'c-0123456789abcdef.parquet'));
    const m = (await readManifest(store, hour04))!;
    const r = m.files[0]!.ranges[0]!;
    const tmpCopy = path.join(tmp, 'source.parquet');
    await merger.merge([path.join(root, merged)], tmpCopy, []);
    fs.copyFileSync(tmpCopy, path.join(root, hour04, `${r.shard}-${r.first}-${r.last}.parquet`));
    // A late record for hour 04 lands as a new small file next to the merged one.
    const late = variedRecord(999, {
      receivedAtMs: Date.parse('2026-11-26T04:59:59.000Z'),
      vendor: 'generic',
    });
    await stream.append([recordAppend(late)]);
    await runWriter(1);
    const q = await DuckDBLakeQuery.open({ dataDir: config.dataDir });
    try {
      assert.deepEqual(await counts(q), countsOf([...RECORDS, late]));
      const report = await compact({
        now: () => NOW,
        graceMs: 0,
        tables: ['searches'],
        before: Date.parse('2026-11-26T05:00:00.000Z'),
      });
      assert.equal(report.partitions, 1, 'only hour 04 of searches');
      assert.equal(report.filesIn, 2, 'the merged file and the late file');
      assert.deepEqual(await counts(q), countsOf([...RECORDS, late]));
      const files = lakeFiles(root).filter((f) => f.startsWith(hour04));
      assert.equal(files.length, 2, `one merged file and the manifest: ${files.join(', ')}`);
      assert.ok(files.includes(hour04 + MANIFEST_NAME));
    } finally {
      await q.close();
    }
  });
});

describe('compaction of the current hour', () => {
  const HOUR = Date.parse('2026-11-27T10:00:00.000Z');
  const DURING = Date.parse('2026-11-27T10:30:00.000Z');
  const CLOSED = Date.parse('2026-11-27T11:10:00.000Z');
  const hour10 = 'searches/vendor=generic/dt=2026-11-27/hour=10/';
  /** 160 records of hour 10, one every 10 s: the first 100 come before the first compaction. */
  const records = Array.from({ length: 160 }, (_, i) =>
    variedRecord(i, { receivedAtMs: HOUR + i * 10_000, vendor: 'generic' }),
  );
  let tmp: string;
  let stream: EmbeddedStream;
  let config: LakeWriterConfig;
  let root: string;
  let merger: DuckDBParquetMerger;
  let q: DuckDBLakeQuery;
  /** Whether each merge since the last reset copied its sources in order (no sort). */
  const copiedInOrder: boolean[] = [];
  const compact = (now: number, o: { currentHour?: boolean } = { currentHour: true }) =>
    compactLake({
      store: new LocalObjectStore(root),
      merger: recordingMerger(merger, copiedInOrder),
      stagingDir: path.join(tmp, 'staging'),
      logger: silentLogger,
      now: () => now,
      graceMs: 0,
      currentHourMinFiles: 8,
      ...o,
    });
  const merged = () => lakeFiles(root).filter((f) => f.startsWith(hour10) && f.includes('/c-'));
  /** The lake writer's files of hour 10 of `table` (`<shard>-<first>-<last>[...].parquet`). */
  const writerFiles = (table = 'searches') =>
    lakeFiles(root).filter(
      (f) =>
        f.startsWith(hour10.replace('searches/', `${table}/`)) &&
        /\/\d+-\d+-\d+[^/]*\.parquet$/.test(f),
    );

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-compact-open-'));
    config = writerConfig(path.join(tmp, 'data'), {
      rotateSeconds: 60,
      rotateBytes: 1,
      batch: { count: 5, periodMs: 20 },
    });
    root = lakeRoot(config.dataDir);
    stream = await openTestStream(path.join(tmp, 'stream'), 'shopping', { shards: 2 });
    await stream.append(records.slice(0, 100).map(recordAppend));
    await writeUntilRead(stream, config, 100);
    merger = await DuckDBParquetMerger.open();
    q = await DuckDBLakeQuery.open({ dataDir: config.dataDir });
  });

  after(async () => {
    await q.close();
    await merger.close();
    await stream.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('merges what the hour holds so far, then only what came since, and all of it at the close', async () => {
    const first = writerFiles();
    assert.ok(first.length >= 8, `small files to merge (${first.length})`);
    const left = await compact(DURING, {});
    assert.equal(left.partitions, 0, 'not asked: the current hour is left');
    assert.deepEqual(await counts(q), countsOf(records.slice(0, 100)));

    const firstOffers = writerFiles('offers');
    const r1 = await compact(DURING);
    assert.ok(r1.partitions >= 2, 'searches and offers of hour 10');
    assert.equal(merged().length, 2, 'a merged file per shard');
    // the sources stay for a reader that listed them before (no row is read twice)
    assert.equal(r1.deleted, 0);
    assert.deepEqual(writerFiles(), first, 'the sources are left to the next run');
    assert.deepEqual(await counts(q), countsOf(records.slice(0, 100)));
    // nothing new since: left, and said why; the sources of the run before are deleted
    const again = await compact(DURING);
    assert.equal(again.partitions, 0);
    assert.ok(
      again.left.some(
        (l) => l.partition === hour10 && l.reason === 'current hour, too few new files yet',
      ),
    );
    assert.equal(again.deleted, first.length + firstOffers.length);
    assert.deepEqual(writerFiles(), []);

    // the writer goes on in the same hour: its new files sit beside the merged one
    await stream.append(records.slice(100).map(recordAppend));
    await writeUntilRead(stream, config, 60);
    assert.deepEqual(await counts(q), countsOf(records));
    const firstMerged = merged();
    const newFiles = writerFiles().length + writerFiles('offers').length;
    assert.ok(newFiles >= 8, `new small files (${newFiles})`);
    const r2 = await compact(DURING);
    assert.equal(r2.filesIn, newFiles, 'only the writer files are merged, not the merged file');
    assert.equal(r2.deleted, 0);
    assert.equal(merged().length, 4, 'the merged files are left; the new files get their own');
    assert.ok(firstMerged.every((f) => merged().includes(f)));
    assert.equal((await readManifest(new LocalObjectStore(root), hour10))!.files.length, 4);
    assert.deepEqual(await counts(q), countsOf(records));

    // a replay of everything writes nothing: the manifest covers every record of the hour
    await stream.rewind(LAKE_GROUP, { time: 0 });
    assert.equal((await writeUntilRead(stream, config, records.length)).files, 0);
    assert.deepEqual(await counts(q), countsOf(records));

    // the hour closes: its merged files become one, copied in order, without a sort
    copiedInOrder.length = 0;
    const closed = await compact(CLOSED, {});
    assert.ok(closed.partitions >= 2);
    assert.deepEqual(copiedInOrder, [true, true], 'searches and offers merged without a sort');
    assert.equal(merged().length, 1);
    assert.ok(firstMerged.every((f) => !merged().includes(f)));
    assert.deepEqual([...writerFiles(), ...writerFiles('offers')], [], 'every source deleted');
    assert.equal((await readManifest(new LocalObjectStore(root), hour10))!.files.length, 1);
    assert.deepEqual(await counts(q), countsOf(records));
  });
});
