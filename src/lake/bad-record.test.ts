/**
 * A record the Parquet engine rejects must not stall the lake writer: the failing batch
 * is halved until the record is found, the record goes to the dead-letter stream (and so
 * to table dead_letters), and the rest is written. A failure of every write is not the
 * records' fault: nothing is dead-lettered and nothing is committed.
 */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeRecord } from '../model/codec.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { variedRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import type { EmbeddedStream } from '../stream/embedded/embedded-stream.js';
import { DuckDBParquetWriter } from './duckdb/duckdb-parquet-writer.js';
import { ParquetWriteError } from './errors.js';
import { LAKE_GROUP } from './lake-writer.js';
import type { LakeInput, ParquetOutput, ParquetWriter } from './parquet-writer.js';
import { openLakeReader } from './testing/lake-reader.js';
import { startLocalLakeWriter } from './testing/start-local-lake-writer.js';
import { openTestStream, recordAppend } from './testing/test-stream.js';
import { writerConfig } from './testing/writer-config.js';

const BASE = Date.parse('2026-11-26T05:00:00.000Z');
const RECORDS: ShoppingRecord[] = Array.from({ length: 30 }, (_, i) =>
  variedRecord(i, { receivedAtMs: BASE + i * 1000, vendor: 'generic' }),
);
const POISON = RECORDS[17]!.id;

/** A ParquetWriter that fails any write holding `poison` (or every write when `poison` is '*'). */
function failing(inner: ParquetWriter, poison: string): ParquetWriter {
  return {
    columns: (t) => inner.columns(t),
    close: () => inner.close(),
    async write(records: readonly LakeInput[], outputs: readonly ParquetOutput[]) {
      if (poison === '*' || records.some((r) => r.data && decodeRecord(r.data).id === poison))
        throw new ParquetWriteError('Conversion Error: cannot write this value', []);
      await inner.write(records, outputs);
    },
  };
}

describe('a record the lake cannot write', () => {
  let tmp: string;
  let shopping: EmbeddedStream;
  let deadLetters: EmbeddedStream;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-bad-record-'));
    const open = (name: string) =>
      openTestStream(path.join(tmp, 'stream'), name, { dedupeWindowMs: 60_000 });
    shopping = await open('shopping');
    deadLetters = await open('dead-letters');
    await shopping.append(RECORDS.map(recordAppend));
  });
  after(async () => {
    await shopping.close();
    await deadLetters.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('when every write fails, nothing is dead-lettered or committed', async () => {
    const dataDir = path.join(tmp, 'broken');
    const config = writerConfig(dataDir, {
      rotateSeconds: 3600,
      batch: { count: 100, periodMs: 20 },
    });
    const inner = await DuckDBParquetWriter.open({ stagingDir: path.join(dataDir, 'tmp') });
    const writer = await startLocalLakeWriter({
      stream: shopping,
      sideStreams: { deadLetters },
      config,
      logger: silentLogger,
      parquet: failing(inner, '*'),
    });
    while (writer.stats().read < RECORDS.length) await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(writer.stop(), /cannot write this value/);
    await inner.close();
    assert.equal((await deadLetters.info()).records, 0);
    assert.equal((await shopping.lag(LAKE_GROUP))[0]!.records, RECORDS.length);
  });

  test('while every write fails, the writer stops reading once files pile up', async () => {
    const dataDir = path.join(tmp, 'pile');
    // Records are 1 s apart, files cut every second, one record a batch, and the wall clock
    // a rotation period further on at every reading: each record closes the file before it.
    const config = writerConfig(dataDir, { rotateSeconds: 1, batch: { count: 1, periodMs: 20 } });
    const inner = await DuckDBParquetWriter.open({ stagingDir: path.join(dataDir, 'tmp') });
    let clock = Date.now();
    const writer = await startLocalLakeWriter({
      stream: shopping,
      config,
      logger: silentLogger,
      parquet: failing(inner, '*'),
      group: 'lake-pile',
      now: () => (clock += 1001),
    });
    while (writer.stats().read < 9) await new Promise((r) => setTimeout(r, 20));
    // Reading on would take all 30 records within milliseconds; retries come every second.
    await new Promise((r) => setTimeout(r, 1500));
    const read = writer.stats().read;
    await assert.rejects(writer.stop(), /cannot write this value/);
    await inner.close();
    assert.ok(read <= 12, `read ${read} of ${RECORDS.length} records with every file failing`);
  });

  test('is dead-lettered and skipped; every other record lands', async () => {
    const dataDir = path.join(tmp, 'ok');
    const config = writerConfig(dataDir, { rotateSeconds: 5, batch: { count: 100, periodMs: 20 } });
    const inner = await DuckDBParquetWriter.open({ stagingDir: path.join(dataDir, 'tmp') });
    const writer = await startLocalLakeWriter({
      stream: shopping,
      sideStreams: { deadLetters },
      config,
      logger: silentLogger,
      parquet: failing(inner, POISON),
    });
    const deadline = Date.now() + 20_000;
    // The dead letter comes back through the dead-letter stream: one more record read.
    while (writer.stats().read < RECORDS.length + 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await writer.stop();
    await inner.close();
    assert.equal(writer.stats().badRecords, 1);
    assert.equal(writer.stats().bySource.shopping?.records, RECORDS.length - 1);
    assert.equal((await shopping.lag(LAKE_GROUP))[0]!.records, 0, 'committed past the bad record');
    const q = await openLakeReader(dataDir);
    try {
      const [s] = await q.all(
        `select count(*) n, count(*) filter (where id = $$${POISON}$$) poison from searches`,
      );
      assert.deepEqual(s, { n: RECORDS.length - 1, poison: 0 });
      const d = await q.all(
        'select id, vendor, stage, rejected, payload_encoding, payload from dead_letters',
      );
      assert.equal(d.length, 1);
      assert.equal(d[0]!.stage, 'lake');
      assert.equal(d[0]!.vendor, 'generic');
      assert.match(
        String((d[0]!.rejected as { reason: string }[])[0]!.reason),
        /cannot write this value/,
      );
      // The dead letter keeps the record's own stream bytes.
      assert.equal(d[0]!.payload_encoding, 'base64');
      assert.equal(decodeRecord(Buffer.from(String(d[0]!.payload), 'base64')).id, POISON);
    } finally {
      await q.close();
    }
  });
});
