import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { variedRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { recordingLogger } from '../ops/testing/recording-logger.js';
import type { EmbeddedStream } from '../stream/embedded/embedded-stream.js';
import { lakeRoot, parseFileName } from './lake-layout.js';
import type { LakeWriterConfig } from './lake-writer.js';
import { LAKE_GROUP } from './lake-writer.js';
import { LocalObjectStore } from './object-store/local/local-object-store.js';
import { openLakeReader } from './testing/lake-reader.js';
import { startLocalLakeWriter } from './testing/start-local-lake-writer.js';
import { openTestStream, recordAppend } from './testing/test-stream.js';
import { writerConfig } from './testing/writer-config.js';

const ROTATE_SECONDS = 10;
const BASE = Date.parse('2026-11-26T05:59:00.000Z');

/**
 * 90 records over 90 s across an hour boundary (05 and 06), two vendors; the first offer
 * of every tenth record is flagged `amountsInconsistent`, as an adapter flags it.
 */
const RECORDS: ShoppingRecord[] = Array.from({ length: 90 }, (_, i) => {
  const r = variedRecord(i, {
    receivedAtMs: BASE + i * 1000,
    vendor: i % 4 === 0 ? 'kiwi' : 'generic',
  });
  if (i % 10 === 3) r.offers[0]!.amountsInconsistent = true;
  return r;
});
const OFFERS = RECORDS.reduce((n, r) => n + r.offers.length, 0);
const INCONSISTENT = RECORDS.filter((r) => r.offers[0]!.amountsInconsistent).length;

function configFor(dataDir: string, batchCount: number): LakeWriterConfig {
  return writerConfig(dataDir, {
    rotateSeconds: ROTATE_SECONDS,
    batch: { count: batchCount, periodMs: 50 },
  });
}

/** Runs a lake writer until it has read `expected` records, then stops it (flush + commit). */
async function runWriter(
  stream: EmbeddedStream,
  config: LakeWriterConfig,
  expected: number,
  now?: () => number,
) {
  const writer = await startLocalLakeWriter({
    stream,
    config,
    logger: silentLogger,
    ...(now ? { now } : {}),
  });
  const deadline = Date.now() + 20_000;
  while (writer.stats().read < expected) {
    if (Date.now() > deadline) {
      await writer.stop();
      throw new Error(`writer read ${writer.stats().read} of ${expected} records`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await writer.stop();
  return writer.stats();
}

/** Relative paths of every Parquet file under the lake of `dataDir`, sorted. */
function lakeFiles(dataDir: string): string[] {
  const root = lakeRoot(dataDir);
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

async function counts(dataDir: string) {
  const q = await openLakeReader(dataDir);
  try {
    const [s] = await q.all('select count(*) as n, count(distinct id) as ids from searches');
    const [o] = await q.all(
      'select count(*) as n, count(*) filter (where amounts_inconsistent) as flagged from offers',
    );
    return { searches: s!.n, ids: s!.ids, offers: o!.n, inconsistent: o!.flagged };
  } finally {
    await q.close();
  }
}

describe('lake writer on an embedded stream', () => {
  let tmp: string;
  let stream: EmbeddedStream;
  let firstRunFiles: string[];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-lake-'));
    stream = await openTestStream(path.join(tmp, 'stream'), 'shopping', { shards: 2 });
    // A record that does not decode sits in the middle of the stream.
    const all = RECORDS.map(recordAppend);
    all.splice(45, 0, {
      key: 'JFK-LHR',
      id: 'garbage',
      data: new Uint8Array([1, 2, 3, 4]),
      timestamp: BASE + 44_500,
    });
    for (let i = 0; i < all.length; i += 20) await stream.append(all.slice(i, i + 20));
  });

  after(async () => {
    await stream.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('writes every record once in the Hive layout, skips an undecodable one, commits', async () => {
    const dataDir = path.join(tmp, 'a');
    // The wall clock stands still: every record arrives within one rotation period.
    const clock = Date.now();
    const stats = await runWriter(
      stream,
      configFor(dataDir, 1000),
      RECORDS.length + 1,
      () => clock,
    );
    assert.equal(stats.badRecords, 1);
    assert.equal(stats.records, RECORDS.length);
    assert.deepEqual(await counts(dataDir), {
      searches: RECORDS.length,
      ids: RECORDS.length,
      offers: OFFERS,
      inconsistent: INCONSISTENT,
    });
    const lag = await stream.lag(LAKE_GROUP);
    assert.deepEqual(
      lag.map((l) => l.records),
      [0, 0],
      'the group is committed to the end',
    );

    firstRunFiles = lakeFiles(dataDir);
    assert.equal(stats.files, firstRunFiles.length);
    const layout =
      /^(searches|offers)\/vendor=(generic|kiwi)\/dt=2026-11-26\/hour=(05|06)\/\d+-\d+-\d+\.parquet$/;
    for (const f of firstRunFiles) assert.match(f, layout);

    // Each file holds exactly its partition's records of its shard in its seq range; the
    // records span 9 windows of ROTATE_SECONDS but arrive within one rotation period of
    // wall clock, so no file is closed before stop.
    const q = await openLakeReader(dataDir);
    try {
      const rows = await q.all(
        `select filename, vendor, dt, hour, stream_shard, min(stream_seq) lo, max(stream_seq) hi,
                count(*) n, count(distinct strftime(received_at, '%Y-%m-%d %H')) n_hours
         from read_parquet('${lakeRoot(dataDir)}/searches/*/*/*/*.parquet', filename = true,
                           hive_partitioning = true, hive_types = {'dt': DATE, 'hour': INTEGER})
         group by all order by filename`,
      );
      const searchesFiles = firstRunFiles.filter((f) => f.startsWith('searches/'));
      assert.equal(rows.length, searchesFiles.length);
      const windows = new Set(
        RECORDS.map((r) => Math.floor(Date.parse(r.receivedAt) / (ROTATE_SECONDS * 1000))),
      );
      let cuts = 0;
      for (const row of rows) {
        const range = parseFileName(String(row.filename))!;
        assert.equal(row.stream_shard, range.shard);
        assert.equal(row.lo, range.first);
        assert.equal(row.hi, range.last);
        assert.equal(row.n_hours, 1);
        cuts++;
      }
      // One file per shard and partition, not one per shard, partition and window.
      const perShard = await q.all(
        `select count(distinct (vendor, stream_shard, hour)) n from searches`,
      );
      assert.equal(cuts, perShard[0]!.n);
      assert.ok(windows.size > 5, 'the test data spans many windows');
    } finally {
      await q.close();
    }
  });

  test('a replay from a rewound checkpoint leaves the same files and counts (exactly once)', async () => {
    const dataDir = path.join(tmp, 'a');
    const before = fs
      .readdirSync(lakeRoot(dataDir), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.parquet'))
      .map((f) => [f, fs.statSync(path.join(lakeRoot(dataDir), f)).mtimeMs] as const);
    // A rewind into the middle, then a full rewind.
    await stream.rewind(LAKE_GROUP, { time: BASE + 33_000 });
    const partial = await runWriter(stream, configFor(dataDir, 13), RECORDS.length - 33);
    assert.equal(partial.files, 0, 'no file is written again');
    await stream.rewind(LAKE_GROUP, { time: 0 });
    const full = await runWriter(stream, configFor(dataDir, 1000), RECORDS.length + 1);
    assert.equal(full.files, 0);
    assert.equal(full.records, RECORDS.length);
    assert.deepEqual(lakeFiles(dataDir), firstRunFiles);
    for (const [f, mtime] of before)
      assert.equal(fs.statSync(path.join(lakeRoot(dataDir), f)).mtimeMs, mtime, `${f} untouched`);
    assert.deepEqual(await counts(dataDir), {
      searches: RECORDS.length,
      ids: RECORDS.length,
      offers: OFFERS,
      inconsistent: INCONSISTENT,
    });
  });

  test('records arriving within one rotation period make the same files whatever the batch size', async () => {
    const dataDir = path.join(tmp, 'b');
    await stream.rewind(LAKE_GROUP, { time: 0 });
    const clock = Date.now();
    await runWriter(stream, configFor(dataDir, 7), RECORDS.length + 1, () => clock);
    assert.deepEqual(lakeFiles(dataDir), firstRunFiles);
  });

  test('a crash after some files were written but before the commit stores nothing twice', async () => {
    // Simulate: a lake holding only some of the files (as if the writer died mid-flush),
    // with the checkpoint still at the start; the restarted writer fills in the rest.
    const dataDir = path.join(tmp, 'c');
    const src = lakeRoot(path.join(tmp, 'a'));
    const kept = firstRunFiles.filter((_, i) => i % 3 === 0);
    for (const f of kept) {
      fs.mkdirSync(path.dirname(path.join(lakeRoot(dataDir), f)), { recursive: true });
      fs.copyFileSync(path.join(src, f), path.join(lakeRoot(dataDir), f));
    }
    await stream.rewind(LAKE_GROUP, { time: 0 });
    const clock = Date.now();
    const stats = await runWriter(
      stream,
      configFor(dataDir, 1000),
      RECORDS.length + 1,
      () => clock,
    );
    assert.equal(stats.files, firstRunFiles.length - kept.length);
    assert.deepEqual(lakeFiles(dataDir), firstRunFiles);
    assert.deepEqual(await counts(dataDir), {
      searches: RECORDS.length,
      ids: RECORDS.length,
      offers: OFFERS,
      inconsistent: INCONSISTENT,
    });
  });
});

describe('lake writer commits only what is durable', () => {
  let tmp: string;
  let stream: EmbeddedStream;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-lake-commit-'));
    stream = await openTestStream(path.join(tmp, 'stream'), 'shopping');
    await stream.append(RECORDS.slice(0, 5).map(recordAppend));
  });

  after(async () => {
    await stream.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('when the object store fails, stop rejects and nothing is committed', async () => {
    const failing = new LocalObjectStore(path.join(tmp, 'failing'));
    failing.putFile = async () => {
      throw new Error('disk full');
    };
    const writer = await startLocalLakeWriter({
      stream,
      config: configFor(path.join(tmp, 'x'), 1000),
      logger: silentLogger,
      store: failing,
    });
    while (writer.stats().read < 5) await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(writer.stop(), /disk full/);
    const lag = await stream.lag(LAKE_GROUP);
    assert.equal(lag[0]!.records, 5);
  });

  test('stop stores and commits the records of the read in progress', async () => {
    // The read takes the five records and waits a minute for more; the stop ends it. The
    // records were appended (acknowledged to ingest) before the stop: they must be stored.
    const dataDir = path.join(tmp, 'stop-mid-read');
    const group = 'lake-stop-mid-read';
    let readCalled: () => void = () => undefined;
    const reading = new Promise<void>((resolve) => {
      readCalled = resolve;
    });
    const writer = await startLocalLakeWriter({
      stream,
      config: writerConfig(dataDir, {
        rotateSeconds: ROTATE_SECONDS,
        batch: { count: 1000, periodMs: 60_000 },
      }),
      logger: silentLogger,
      group,
      openConsumer: async (s, g, policy) => {
        const consumer = await s.consumer(g, policy);
        const read = consumer.read.bind(consumer);
        consumer.read = (signal) => {
          readCalled();
          return read(signal);
        };
        return consumer;
      },
    });
    await reading;
    await writer.stop();
    assert.equal(writer.stats().records, 5);
    assert.equal((await counts(dataDir)).ids, 5);
    assert.equal((await stream.lag(group))[0]!.records, 0);
  });

  test('a stop flush past its deadline writes no more, commits nothing unstored, loses nothing', async () => {
    // 40 records in 40 hours: 80 files at stop, each stored 100 ms late; 250 ms to do it.
    const dataDir = path.join(tmp, 'deadline');
    const spread = await openTestStream(path.join(tmp, 'deadline-stream'), 'shopping');
    const records = Array.from({ length: 40 }, (_, i) =>
      variedRecord(i, { receivedAtMs: BASE - i * 3_600_000, vendor: 'generic' }),
    );
    await spread.append(records.map(recordAppend));
    const slow = new LocalObjectStore(lakeRoot(dataDir));
    const putFile = slow.putFile.bind(slow);
    slow.putFile = async (key, local) => {
      await new Promise((r) => setTimeout(r, 100));
      return putFile(key, local);
    };
    const config = writerConfig(dataDir, {
      rotateSeconds: 3600,
      batch: { count: 1000, periodMs: 20 },
    });
    const parquetFiles = () =>
      fs
        .readdirSync(lakeRoot(dataDir), { recursive: true })
        .filter((f) => String(f).endsWith('.parquet'));
    const lines: string[] = [];
    const logger = recordingLogger(lines);
    try {
      const cut = await startLocalLakeWriter({
        stream: spread,
        config,
        logger,
        store: slow,
        stopFlushMs: 250,
      });
      while (cut.stats().read < records.length) await new Promise((r) => setTimeout(r, 20));
      await cut.stop();
      const stored = parquetFiles().length;
      assert.ok(stored > 0 && stored < 80, `${stored} of 80 files stored before the deadline`);
      // the stop says what it flushed, what it left, and which part of it took the time (a
      // file of the writer is an hour of a shard, stored as a searches and an offers file)
      const flush = lines.find((l) => l.startsWith('info stop flush '));
      assert.match(
        flush ?? '',
        new RegExp(`"source":"shopping","files":40,"written":${stored / 2},"ms":\\d+`),
      );
      assert.ok(
        lines.some(
          (l) =>
            l.includes(`cut short by its deadline`) && l.includes(`"filesLeft":${40 - stored / 2}`),
        ),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((l) =>
          /^info lake writer stopped \{"loopsMs":\d+,"stagingCloseMs":\d+\}$/.test(l),
        ),
      );
      const left = (await spread.lag(LAKE_GROUP))[0]!.records;
      assert.ok(left > 0, 'what was not stored is not committed');

      // the next start writes the rest, and nothing twice
      const writer = await startLocalLakeWriter({ stream: spread, config, logger: silentLogger });
      while (writer.stats().read < left) await new Promise((r) => setTimeout(r, 20));
      await writer.stop();
      assert.deepEqual(await counts(dataDir), {
        searches: 40,
        ids: 40,
        offers: records.reduce((n, r) => n + r.offers.length, 0),
        inconsistent: 0,
      });
      assert.equal((await spread.lag(LAKE_GROUP))[0]!.records, 0);
    } finally {
      await spread.close();
    }
  });

  test('a quiet stream flushes once the wall clock is rotateSeconds past the last arrival', async () => {
    let clock = Date.now();
    const dataDir = path.join(tmp, 'quiet');
    const writer = await startLocalLakeWriter({
      stream,
      config: configFor(dataDir, 1000),
      logger: silentLogger,
      now: () => clock,
    });
    try {
      while (writer.stats().read < 5) await new Promise((r) => setTimeout(r, 20));
      // Every record is in one open window: nothing is flushed while the clock stands still.
      await new Promise((r) => setTimeout(r, 200));
      const before = writer.stats().records;
      clock += ROTATE_SECONDS * 1000 + 1;
      const deadline = Date.now() + 10_000;
      while (writer.stats().records < 5 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.ok(before < 5, 'the last window stays open before the idle flush');
      assert.equal(writer.stats().records, 5);
      while ((await stream.lag(LAKE_GROUP))[0]!.records > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal((await stream.lag(LAKE_GROUP))[0]!.records, 0, 'committed after the flush');
    } finally {
      await writer.stop();
    }
  });
});
