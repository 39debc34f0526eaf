// Runs against s3rver started in-process, so it never skips.
/**
 * Compaction of a lake on S3 (what the lake role's schedule runs in the distributed
 * setup): the closed hour merged into one file, the current hour into a file per shard as
 * it is written, then into one at its close; what the remote query engine reads matches
 * the lake as the writer left it, row for row, at every step, and every source is deleted
 * once nothing needs it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { compactLake } from '../../lake/compaction/compact-lake.js';
import { MANIFEST_NAME, readManifest } from '../../lake/compaction/partition-manifest.js';
import { DuckDBParquetMerger } from '../../lake/duckdb/duckdb-parquet-merger.js';
import { lakeRoot } from '../../lake/lake-layout.js';
import { S3ObjectStore } from '../../lake/object-store/s3/s3-object-store.js';
import { type RunningS3rver, startS3rver } from '../../lake/object-store/testing/with-s3rver.js';
import { recordingMerger } from '../../lake/testing/recording-merger.js';
import { startLocalLakeWriter } from '../../lake/testing/start-local-lake-writer.js';
import { openTestStream, recordAppend } from '../../lake/testing/test-stream.js';
import { writerConfig } from '../../lake/testing/writer-config.js';
import { variedRecord } from '../../model/testing/records.js';
import { silentLogger } from '../../ops/logger.js';
import { DuckDBLakeQuery } from '../duckdb/duckdb-lake-query.js';
import type { LakeQuery } from '../lake-query.js';
import { openRemoteLakeQuery, type RemoteLakeQuery } from './remote-lake-query.js';

const BASE = Date.parse('2026-11-28T04:40:00.000Z');
/** 180 records, one every 20 s from 04:40: 60 in hour 04, 120 in hour 05. */
const RECORDS = Array.from({ length: 180 }, (_, i) =>
  variedRecord(i, { receivedAtMs: BASE + i * 20_000, vendor: 'generic' }),
);
const DURING = Date.parse('2026-11-28T05:50:00.000Z');
const CLOSED = Date.parse('2026-11-28T06:10:00.000Z');
const HOUR04 = 'dt=2026-11-28/hour=04/';
const HOUR05 = 'dt=2026-11-28/hour=05/';

let s3: RunningS3rver;
let tmp: string;
let store: S3ObjectStore;
let merger: DuckDBParquetMerger;
/** The lake as the writer left it, on local disk: the reference. */
let reference: LakeQuery;
let remote: RemoteLakeQuery;
/** Whether each merge since the last reset copied its sources in order (no sort). */
const copiedInOrder: boolean[] = [];

before(async () => {
  s3 = await startS3rver();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-compact-s3-'));
  // a small file per batch and shard: both hours have many files to merge
  const config = writerConfig(path.join(tmp, 'data'), {
    rotateSeconds: 60,
    rotateBytes: 1,
    batch: { count: 10, periodMs: 20 },
  });
  const stream = await openTestStream(path.join(tmp, 'stream'), 'shopping', { shards: 2 });
  try {
    await stream.append(RECORDS.map(recordAppend));
    const writer = await startLocalLakeWriter({ stream, config, logger: silentLogger });
    const deadline = Date.now() + 20_000;
    while (writer.stats().read < RECORDS.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await writer.stop();
    assert.equal(writer.stats().read, RECORDS.length);
  } finally {
    await stream.close();
  }
  // the writer's files, copied to the bucket under `lake/`, as an S3 lake writer keeps them
  store = new S3ObjectStore({ ...s3.options, prefix: 'lake' });
  const root = lakeRoot(config.dataDir);
  // put, not putFile: putFile takes the file, and the local lake is the reference
  for (const f of fs.readdirSync(root, { recursive: true }) as string[])
    if (f.endsWith('.parquet'))
      await store.put(f.split(path.sep).join('/'), fs.readFileSync(path.join(root, f)));
  reference = await DuckDBLakeQuery.open({ dataDir: config.dataDir });
  remote = await openRemoteLakeQuery({
    store,
    cacheDir: path.join(tmp, 'cache'),
    cacheMaxBytes: 64 * 1024 * 1024,
  });
  merger = await DuckDBParquetMerger.open();
});

after(async () => {
  await remote?.close();
  await reference?.close();
  await merger?.close();
  await store?.close();
  await s3?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const compact = (now: number, currentHour: boolean) =>
  compactLake({
    store,
    merger: recordingMerger(merger, copiedInOrder),
    stagingDir: path.join(tmp, 'staging'),
    logger: silentLogger,
    now: () => now,
    graceMs: 0,
    currentHour,
    currentHourMinFiles: 4,
  });

/** Keys of `table`'s objects in the hour (`dt=.../hour=HH/`), relative to it, sorted. */
async function keysOf(table: string, hour: string): Promise<string[]> {
  const prefix = `${table}/vendor=generic/${hour}`;
  return (await store.list(prefix)).map((o) => o.key.slice(prefix.length)).sort();
}
const writerFiles = (keys: string[]) => keys.filter((k) => /^\d+-\d+-\d+[^/]*\.parquet$/.test(k));
const mergedFiles = (keys: string[]) => keys.filter((k) => k.startsWith('c-'));

/** Every search and offer key, in order: what a reader of the lake sees. */
const ROWS = `select (select list(id order by id) from searches) searches,
  (select list(search_id || '#' || offer_index order by search_id, offer_index) from offers) offers,
  (select count(*) from searches) s, (select count(*) from offers) o`;

test('compaction on S3: the closed hour merged, the current hour per shard, then closed; the reads match throughout', async () => {
  const expected = await reference.all(ROWS);
  assert.equal(expected[0]!.s, RECORDS.length);
  assert.deepEqual(await remote.all(ROWS), expected, 'the copy on S3 reads as the local lake');
  const hour04 = await keysOf('searches', HOUR04);
  const hour05 = await keysOf('searches', HOUR05);
  assert.ok(writerFiles(hour04).length >= 4, `small files in hour 04 (${hour04.length})`);
  assert.ok(writerFiles(hour05).length >= 4, `small files in hour 05 (${hour05.length})`);
  const offers04 = writerFiles(await keysOf('offers', HOUR04));
  const offers05 = writerFiles(await keysOf('offers', HOUR05));

  // 05:50: hour 04 is closed, hour 05 is being written
  const r1 = await compact(DURING, true);
  assert.equal(r1.partitions, 4, 'searches and offers, hours 04 and 05');
  const closed04 = await keysOf('searches', HOUR04);
  assert.equal(mergedFiles(closed04).length, 1, 'one file for the closed hour');
  assert.deepEqual(
    closed04,
    [MANIFEST_NAME, ...mergedFiles(closed04)].sort(),
    'its sources deleted',
  );
  // the current hour: a merged file per shard; its sources stay until the next run
  const during05 = await keysOf('searches', HOUR05);
  assert.equal(mergedFiles(during05).length, 2, 'a merged file per shard');
  assert.deepEqual(writerFiles(during05), writerFiles(hour05));
  assert.equal(
    r1.deleted,
    writerFiles(hour04).length + offers04.length,
    "only the closed hour's sources are deleted",
  );
  assert.deepEqual(await remote.all(ROWS), expected, 'no row lost or read twice');

  // the next run merges nothing new and deletes the current hour's merged sources
  const r2 = await compact(DURING, true);
  assert.equal(r2.partitions, 0);
  assert.equal(r2.deleted, writerFiles(hour05).length + offers05.length);
  assert.deepEqual(writerFiles(await keysOf('searches', HOUR05)), []);
  assert.deepEqual(await remote.all(ROWS), expected);

  // 06:10: hour 05 is closed; its two merged files become one, copied without a sort
  copiedInOrder.length = 0;
  const r3 = await compact(CLOSED, true);
  assert.equal(r3.partitions, 2, 'searches and offers of hour 05');
  assert.deepEqual(copiedInOrder, [true, true]);
  const closed05 = await keysOf('searches', HOUR05);
  assert.equal(mergedFiles(closed05).length, 1);
  assert.ok(
    mergedFiles(during05).every((f) => !closed05.includes(f)),
    'the per-shard files deleted',
  );
  assert.equal((await readManifest(store, `searches/vendor=generic/${HOUR05}`))!.files.length, 1);
  assert.deepEqual(await remote.all(ROWS), expected);
});
