/**
 * `up` and the lake role compact on a timer: closed partitions get merged without anyone
 * running `lake compact`, and the current hour is left to the writer.
 */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { variedRecord } from '../../model/testing/records.js';
import { silentLogger } from '../../ops/logger.js';
import { recordingLogger } from '../../ops/testing/recording-logger.js';
import { DEFAULT_COMPACT_COMPRESSION_LEVEL } from '../lake-defaults.js';
import { lakeRoot } from '../lake-layout.js';
import { LocalObjectStore } from '../object-store/local/local-object-store.js';
import { startLocalLakeWriter } from '../testing/start-local-lake-writer.js';
import { openTestStream, recordAppend } from '../testing/test-stream.js';
import { writerConfig } from '../testing/writer-config.js';
import { type CompactionReport, compactLake } from './compact-lake.js';
import { registerCompactionMetrics } from './compaction-metrics.js';
import { type CompactionScheduleOptions, startCompactionSchedule } from './compaction-schedule.js';
import { MANIFEST_NAME } from './partition-manifest.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-compact-schedule-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('scheduled compaction', () => {
  const files = (d: string) => fs.readdirSync(d).filter((f) => f.endsWith('.parquet'));
  /**
   * A lake whose closed hour (two hours ago) holds several small files just written, and
   * `current` records now (16 make three files of the current hour).
   */
  async function lakeWithSmallFiles(name: string, current = 1) {
    const config = writerConfig(path.join(tmp, name), {
      rotateSeconds: 60,
      batch: { count: 7, periodMs: 20 },
    });
    const now = Date.now();
    const closedHour = Math.floor(now / 3_600_000) * 3_600_000 - 2 * 3_600_000;
    // 60 records over two minutes of an hour that is over: several small files
    const records = Array.from({ length: 60 }, (_, i) =>
      variedRecord(i, { receivedAtMs: closedHour + i * 2_000, vendor: 'generic' }),
    );
    const nowRecords = Array.from({ length: current }, (_, i) =>
      variedRecord(100 + i, { receivedAtMs: now, vendor: 'generic' }),
    );
    const stream = await openTestStream(path.join(tmp, `${name}-stream`), 'shopping', {
      shards: 1,
    });
    await stream.append(
      [...records, ...nowRecords].map((r) => ({ ...recordAppend(r), timestamp: now })),
    );
    // a wall clock a rotation period further on at every reading: each batch its own file
    let clock = now;
    const writer = await startLocalLakeWriter({
      stream,
      config,
      logger: silentLogger,
      now: () => (clock += 61_000),
    });
    const deadline = Date.now() + 60_000;
    while (writer.stats().read < records.length + current && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await writer.stop();
    await stream.close();
    const root = lakeRoot(config.dataDir);
    const hourDir = (t: number) => {
      const iso = new Date(t).toISOString();
      return path.join(
        root,
        'searches',
        'vendor=generic',
        `dt=${iso.slice(0, 10)}`,
        `hour=${iso.slice(11, 13)}`,
      );
    };
    assert.ok(files(hourDir(closedHour)).length > 1, 'small files to merge');
    return { config, root, now, closedHour, hourDir };
  }

  /**
   * Runs a schedule on `root` with `opts` until `done(reports)` or two minutes have passed,
   * then stops it; resolves the reports of its runs.
   */
  async function scheduleUntil(
    root: string,
    dataDir: string,
    opts: Pick<
      CompactionScheduleOptions,
      'everyMs' | 'firstAfterMs' | 'quietMs' | 'metrics' | 'currentHour' | 'currentHourMinFiles'
    > &
      Partial<Pick<CompactionScheduleOptions, 'logger'>>,
    done: (reports: readonly CompactionReport[]) => boolean,
  ): Promise<CompactionReport[]> {
    const reports: CompactionReport[] = [];
    const schedule = startCompactionSchedule({
      store: new LocalObjectStore(root),
      dataDir,
      compressionLevel: DEFAULT_COMPACT_COMPRESSION_LEVEL,
      graceMs: 0,
      ...opts,
      logger: opts.logger ?? silentLogger,
      onRun: (r) => reports.push(r),
    });
    try {
      const until = Date.now() + 120_000;
      while (!done(reports) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await schedule.stop();
    }
    return reports;
  }

  /** A lake under tmp/`name` whose closed partition searches 2026-11-20 05:00 holds two small (fake) files. */
  function closedPartition(name: string) {
    const root = path.join(tmp, name);
    const dir = path.join(root, 'searches', 'vendor=generic', 'dt=2026-11-20', 'hour=05');
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ['0-1-2.parquet', '0-3-4.parquet']) fs.writeFileSync(path.join(dir, f), 'x');
    return { root, dir };
  }

  /** The value of `name` (with `labels`) in `registry`; 0 when it has none. */
  async function metric(registry: Registry, name: string, labels: Record<string, string> = {}) {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
    return v?.value ?? 0;
  }

  test('merges the closed partitions on its own, and leaves the current hour', async () => {
    const { config, root, now, closedHour, hourDir } = await lakeWithSmallFiles('data');
    const registry = new Registry();
    const reports = await scheduleUntil(
      root,
      config.dataDir,
      { everyMs: 50, metrics: registerCompactionMetrics(registry) },
      (rs) => rs.some((r) => r.partitions > 0),
    );
    // the metrics add up the runs' reports
    const sum = (k: 'partitions' | 'filesIn' | 'filesOut' | 'bytesIn' | 'deleted') =>
      reports.reduce((n, r) => n + r[k], 0);
    assert.equal(
      await metric(registry, 'faresight_lake_compaction_runs_total', { outcome: 'ok' }),
      reports.length,
    );
    assert.equal(
      await metric(registry, 'faresight_lake_compaction_runs_total', { outcome: 'failed' }),
      0,
    );
    assert.equal(
      await metric(registry, 'faresight_lake_compaction_partitions_total'),
      sum('partitions'),
    );
    assert.ok(sum('filesIn') > 1);
    assert.equal(
      await metric(registry, 'faresight_lake_compaction_files_total', { direction: 'in' }),
      sum('filesIn'),
    );
    assert.equal(
      await metric(registry, 'faresight_lake_compaction_files_total', { direction: 'out' }),
      sum('filesOut'),
    );
    assert.equal(
      await metric(registry, 'faresight_lake_compaction_bytes_total', { direction: 'in' }),
      sum('bytesIn'),
    );
    assert.equal(
      await metric(registry, 'faresight_lake_compaction_sources_deleted_total'),
      sum('deleted'),
    );
    const merged = reports.find((r) => r.partitions > 0);
    assert.ok(merged, 'a scheduled run compacted something');
    assert.ok(fs.existsSync(path.join(hourDir(closedHour), MANIFEST_NAME)));
    assert.equal(files(hourDir(closedHour)).length, 1, 'one merged file left');
    // (unless the test straddled the end of the hour, which closes it)
    if (Math.floor(Date.now() / 3_600_000) === Math.floor(now / 3_600_000)) {
      assert.ok(
        merged.left.some(
          (l) =>
            l.reason === 'current hour, still being written' && l.partition.startsWith('searches/'),
        ),
      );
      assert.ok(!fs.existsSync(path.join(hourDir(now), MANIFEST_NAME)), 'current hour untouched');
    }
  });

  test('a run logs one line for all it merged, not one per partition', async () => {
    // the demo's history leaves 1,344 closed partitions: a line each buried `npm start`'s
    // terminal under them in its first minutes
    const { config, root } = await lakeWithSmallFiles('one-line');
    const lines: string[] = [];
    const reports = await scheduleUntil(
      root,
      config.dataDir,
      { everyMs: 50, logger: recordingLogger(lines) },
      (rs) => rs.some((r) => r.partitions > 0),
    );
    const merged = reports.find((r) => r.partitions > 0);
    assert.ok(merged && merged.partitions >= 2, 'the searches and offers partitions merged');
    const info = lines.filter((l) => l.startsWith('info '));
    assert.deepEqual(
      info.filter((l) => l.includes('compacted partition')),
      [],
      'no line per partition at info',
    );
    const runs = info.filter((l) => l.startsWith('info compaction run '));
    assert.equal(runs.length, reports.filter((r) => r.partitions > 0).length, info.join('\n'));
    assert.match(runs[0] ?? '', new RegExp(`"partitions":${merged.partitions}\\b`));
  });

  test('with currentHour, merges what the current hour holds so far too', async () => {
    const { config, root, now, hourDir } = await lakeWithSmallFiles('open', 16);
    const open = hourDir(now);
    assert.ok(files(open).length > 1, 'small files in the current hour');
    const reports = await scheduleUntil(
      root,
      config.dataDir,
      { everyMs: 50, currentHour: true, currentHourMinFiles: 2 },
      // the run after the merge deletes the current hour's sources
      (rs) => {
        const i = rs.findIndex((r) => r.partitions >= 2);
        return i >= 0 && rs.length > i + 1;
      },
    );
    // (unless the test straddled the end of the hour, which closes it)
    if (Math.floor(Date.now() / 3_600_000) !== Math.floor(now / 3_600_000)) return;
    assert.ok(
      reports.some((r) => r.partitions >= 2),
      'the closed hour and the current one',
    );
    assert.ok(fs.existsSync(path.join(open, MANIFEST_NAME)), 'the current hour has a manifest');
    assert.deepEqual(
      files(open).map((f) => f.slice(0, 2)),
      ['c-'],
      'its small files are one merged file',
    );
  });

  test('leaves a partition still being written, and merges it once it has been quiet', async () => {
    const { config, root, closedHour, hourDir } = await lakeWithSmallFiles('quiet');
    const reports = await scheduleUntil(
      root,
      config.dataDir,
      // an hour: the second run must come after the quiet period, not everyMs; 10 s of
      // quiet, so that the first run (a thread's start) comes within it on a loaded machine
      { everyMs: 3_600_000, firstAfterMs: 0, quietMs: 10_000 },
      (rs) => rs.length >= 2,
    );
    const closed = `${path.relative(root, hourDir(closedHour)).split(path.sep).join('/')}/`;
    assert.equal(reports.length, 2, 'a second run came after the quiet period');
    const [first, second] = reports as [CompactionReport, CompactionReport];
    assert.deepEqual(
      first.left.filter((l) => l.partition === closed).map((l) => l.reason),
      ['written to within the quiet period, still being written'],
    );
    assert.equal(first.partitions, 0, 'nothing merged while it was being written');
    assert.ok(second.partitions > 0, 'merged on the next run');
    assert.equal(files(hourDir(closedHour)).length, 1, 'one merged file left');
  });

  test('runs first after firstAfterMs, not after everyMs', async () => {
    const root = path.join(tmp, 'first');
    fs.mkdirSync(root, { recursive: true });
    let first = () => {};
    const ran = new Promise<void>((r) => {
      first = r;
    });
    const schedule = startCompactionSchedule({
      store: new LocalObjectStore(root),
      dataDir: path.join(tmp, 'first-data'),
      compressionLevel: DEFAULT_COMPACT_COMPRESSION_LEVEL,
      logger: silentLogger,
      everyMs: 3_600_000,
      firstAfterMs: 10,
      onRun: () => first(),
    });
    // everyMs is an hour: without firstAfterMs the test would time out here
    try {
      await ran;
    } finally {
      await schedule.stop();
    }
  });

  test('a compaction told to stop merges no further partition and deletes nothing', async () => {
    const { root, dir } = closedPartition('stopped');
    const closed = Date.parse('2026-11-20T05:00:00.000Z');
    const stop = new AbortController();
    stop.abort();
    const report = await compactLake({
      store: new LocalObjectStore(root),
      merger: {
        merge: async () => assert.fail('merged a partition after the stop'),
        release: async () => {},
        close: async () => {},
      },
      stagingDir: path.join(tmp, 'stopped-staging'),
      logger: silentLogger,
      graceMs: 0,
      now: () => closed + 10 * 3_600_000,
      signal: stop.signal,
    });
    assert.equal(report.partitions, 0);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['0-1-2.parquet', '0-3-4.parquet']);
  });

  test('the quiet period waits on the files’ times; a store that gives none never waits', async () => {
    const root = path.join(tmp, 'untimed');
    const dir = path.join(root, 'searches', 'vendor=generic', 'dt=2026-11-20', 'hour=05');
    const sources = ['0-1-2.parquet', '0-3-4.parquet'];
    const compact = (store: LocalObjectStore) =>
      compactLake({
        store,
        // stands in for DuckDB: what is checked is which partitions get merged
        merger: {
          merge: async (_files, out) => {
            fs.writeFileSync(out, 'merged');
            return { rows: 4 };
          },
          release: async () => {},
          close: async () => {},
        },
        stagingDir: path.join(tmp, 'untimed-staging'),
        logger: silentLogger,
        graceMs: 0,
        quietMs: 3_600_000,
      });
    fs.mkdirSync(dir, { recursive: true });
    for (const f of sources) fs.writeFileSync(path.join(dir, f), 'x');
    const timed = await compact(new LocalObjectStore(root));
    assert.equal(timed.partitions, 0, 'written just now: left');
    assert.deepEqual(
      timed.left.map((l) => l.reason),
      ['written to within the quiet period, still being written'],
    );
    const untimed = new LocalObjectStore(root);
    const list = untimed.list.bind(untimed);
    untimed.list = async (prefix) => (await list(prefix)).map(({ key, size }) => ({ key, size }));
    assert.equal((await compact(untimed)).partitions, 1, 'no times: merged');
  });

  test('the merger hands back what its merges hold before the grace wait, not after', async () => {
    const { root } = closedPartition('released');
    const events: string[] = [];
    const store = new LocalObjectStore(root);
    const del = store.delete.bind(store);
    store.delete = async (key) => {
      events.push('delete');
      await del(key);
    };
    const report = await compactLake({
      store,
      // stands in for DuckDB: what is checked is when compaction releases the merger
      merger: {
        merge: async (_files, out) => {
          events.push('merge');
          fs.writeFileSync(out, 'merged');
          return { rows: 4 };
        },
        release: async () => {
          events.push('release');
        },
        close: async () => {},
      },
      stagingDir: path.join(tmp, 'released-staging'),
      logger: silentLogger,
      graceMs: 50,
      now: () => Date.parse('2026-11-20T05:00:00.000Z') + 10 * 3_600_000,
    });
    assert.equal(report.partitions, 1);
    // the sources are deleted after the grace wait
    assert.deepEqual(events, ['merge', 'release', 'delete', 'delete']);
  });

  test('a run that fails is counted as failed, and the next one runs', async () => {
    const root = path.join(tmp, 'failing');
    fs.mkdirSync(root, { recursive: true });
    const store = new LocalObjectStore(root);
    store.list = async () => {
      throw new Error('listing failed');
    };
    const registry = new Registry();
    const schedule = startCompactionSchedule({
      store,
      dataDir: path.join(tmp, 'failing-data'),
      compressionLevel: DEFAULT_COMPACT_COMPRESSION_LEVEL,
      logger: silentLogger,
      everyMs: 20,
      metrics: registerCompactionMetrics(registry),
    });
    try {
      const failed = () =>
        metric(registry, 'faresight_lake_compaction_runs_total', { outcome: 'failed' });
      const until = Date.now() + 60_000;
      while ((await failed()) < 2 && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20));
      assert.ok((await failed()) >= 2, 'two failed runs counted');
      assert.equal(
        await metric(registry, 'faresight_lake_compaction_runs_total', { outcome: 'ok' }),
        0,
      );
    } finally {
      await schedule.stop();
    }
  });

  test('a merge that ran over the memory limit is logged as a warning with its partition', async () => {
    const { root } = closedPartition('over-limit');
    const lines: string[] = [];
    const logger = recordingLogger(lines);
    const report = await compactLake({
      store: new LocalObjectStore(root),
      // stands in for DuckDB: what is checked is what compaction says of such a merge
      merger: {
        merge: async (_files, out) => {
          fs.writeFileSync(out, 'merged');
          return { rows: 4, overLimit: '1024MB' };
        },
        release: async () => {},
        close: async () => {},
      },
      stagingDir: path.join(tmp, 'over-limit-staging'),
      logger,
      graceMs: 0,
      now: () => Date.parse('2026-11-20T05:00:00.000Z') + 10 * 3_600_000,
    });
    assert.equal(report.partitions, 1);
    assert.equal(report.mergesOverLimit, 1);
    const registry = new Registry();
    registerCompactionMetrics(registry).ran(report, 1);
    assert.equal(await metric(registry, 'faresight_lake_compaction_merges_over_limit_total'), 1);
    assert.deepEqual(
      lines.filter((l) => l.startsWith('warn ')),
      [
        'warn merge needed more than the merger memory limit and ran again {"partition":"searches/vendor=generic/dt=2026-11-20/hour=05/","files":2,"rows":4,"memoryLimit":"1024MB"}',
      ],
    );
  });
});
