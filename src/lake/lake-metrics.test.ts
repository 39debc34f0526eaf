/**
 * The lake writer's Prometheus metrics and the lag of every consumer group, as a scrape
 * shows them, against what the writer really stored.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { variedRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import type { EmbeddedStream } from '../stream/embedded/embedded-stream.js';
import { lakeRoot } from './lake-layout.js';
import { LAKE_GROUP } from './lake-writer.js';
import { LocalObjectStore } from './object-store/local/local-object-store.js';
import { startLocalLakeWriter } from './testing/start-local-lake-writer.js';
import { openTestStream, recordAppend } from './testing/test-stream.js';
import { writerConfig } from './testing/writer-config.js';

const BASE = Date.parse('2026-11-26T05:59:00.000Z');
const RECORDS = Array.from({ length: 6 }, (_, i) =>
  variedRecord(i, { receivedAtMs: BASE + i * 1000, vendor: 'generic' }),
);

/** The value of one sample line `name{labels} value`, undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function until(cond: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('lake writer metrics', () => {
  let tmp: string;
  let stream: EmbeddedStream;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-lake-metrics-'));
    stream = await openTestStream(path.join(tmp, 'stream'), 'shopping');
    await stream.append(RECORDS.map(recordAppend));
    // a second group that reads nothing: its lag is every record
    await (await stream.consumer('other', { count: 1, bytes: 1 << 20, periodMs: 10 })).close();
  });

  after(async () => {
    await stream.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('counts records, files and bytes stored, latencies, and every group lag', async () => {
    const dataDir = path.join(tmp, 'ok');
    const registry = new Registry();
    const writer = await startLocalLakeWriter({
      stream,
      config: writerConfig(dataDir, { rotateSeconds: 60, batch: { count: 1000, periodMs: 20 } }),
      logger: silentLogger,
      registry,
    });
    try {
      await until(() => writer.stats().read === RECORDS.length, 'the writer to read');
    } finally {
      await writer.stop(); // flushes every buffer and commits
    }
    const text = await registry.metrics();
    const files = (fs.readdirSync(lakeRoot(dataDir), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.parquet'))
      .map((f) => ({
        table: f.split(path.sep)[0]!,
        size: fs.statSync(path.join(lakeRoot(dataDir), f)).size,
      }));
    assert.ok(files.length >= 2, `files written: ${JSON.stringify(files)}`);
    assert.equal(sample(text, 'faresight_lake_records_written_total{source="shopping"}'), 6, text);
    for (const table of ['searches', 'offers']) {
      const mine = files.filter((f) => f.table === table);
      const labels = `{source="shopping",table="${table}"}`;
      assert.equal(sample(text, `faresight_lake_files_written_total${labels}`), mine.length, text);
      assert.equal(
        sample(text, `faresight_lake_bytes_written_total${labels}`),
        mine.reduce((n, f) => n + f.size, 0),
        text,
      );
    }
    assert.ok(
      (sample(text, 'faresight_lake_write_seconds_count{source="shopping"}') ?? 0) >= 1,
      text,
    );
    assert.ok(
      (sample(text, 'faresight_lake_commit_seconds_count{source="shopping"}') ?? 0) >= 1,
      text,
    );
    assert.equal(
      sample(text, `faresight_stream_lag_records{stream="shopping",group="${LAKE_GROUP}"}`),
      0,
      text,
    );
    assert.equal(
      sample(text, `faresight_stream_lag_seconds{stream="shopping",group="${LAKE_GROUP}"}`),
      0,
      text,
    );
    assert.equal(
      sample(text, 'faresight_stream_lag_records{stream="shopping",group="other"}'),
      6,
      text,
    );
    assert.ok(
      (sample(text, 'faresight_stream_lag_seconds{stream="shopping",group="other"}') ?? 0) > 0,
      text,
    );
  });

  test('counts failed writes by stage', async () => {
    const registry = new Registry();
    const failing = new LocalObjectStore(path.join(tmp, 'failing'));
    failing.putFile = async () => {
      throw new Error('disk full');
    };
    const writer = await startLocalLakeWriter({
      stream,
      config: writerConfig(path.join(tmp, 'fail'), {
        rotateSeconds: 60,
        batch: { count: 1000, periodMs: 20 },
      }),
      logger: silentLogger,
      store: failing,
      group: 'lake-failing', // the first test committed group lake to the end
      registry,
    });
    await until(() => writer.stats().read === RECORDS.length, 'the writer to read');
    await assert.rejects(writer.stop(), /disk full/);
    const text = await registry.metrics();
    assert.ok(
      (sample(text, 'faresight_lake_failures_total{source="shopping",stage="write"}') ?? 0) >= 1,
      text,
    );
    assert.equal(
      sample(text, 'faresight_lake_records_written_total{source="shopping"}'),
      undefined,
      text,
    );
  });
});
