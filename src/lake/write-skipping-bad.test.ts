/**
 * The bisection of a rejected Parquet write must blame a record only for a fault of the
 * record: a full disk, or a failure that goes away while the batch is being halved, is
 * the storage's, and the whole file is retried with nothing dead-lettered (the disk-full
 * fault scenario lost acknowledged records to the dead-letter path this way).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeRecord } from '../model/codec.js';
import { variedRecord } from '../model/testing/records.js';
import { mountSmallDisk, type SmallDisk } from '../ops/testing/small-disk.js';
import { DuckDBParquetWriter } from './duckdb/duckdb-parquet-writer.js';
import { LakeStorageError, ParquetWriteError } from './errors.js';
import type { LakeInput, ParquetOutput, ParquetWriter } from './parquet-writer.js';
import { type UnwritableRecord, writeSkippingBad } from './write-skipping-bad.js';

const BASE = Date.parse('2026-11-26T05:00:00.000Z');
const INPUTS: LakeInput[] = Array.from({ length: 16 }, (_, i) => ({
  shard: 0,
  seq: i + 1,
  data: encodeRecord(variedRecord(i, { receivedAtMs: BASE + i * 1000, vendor: 'generic' })),
}));
const outputs = (dir: string): ParquetOutput[] => [
  { table: 'searches', path: path.join(dir, 'searches.parquet') },
  { table: 'offers', path: path.join(dir, 'offers.parquet') },
];

/** Writes INPUTS into `dir` on a full disk: the error (asserted a LakeStorageError) and whom it blamed. */
async function storageFailureOf(
  writer: ParquetWriter,
  dir: string,
): Promise<{ err: LakeStorageError; bad: UnwritableRecord[] }> {
  const bad: UnwritableRecord[] = [];
  const err = await writeSkippingBad(writer, INPUTS, outputs(dir), (b) => bad.push(b)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof LakeStorageError, `a storage error, got ${String(err)}`);
  return { err, bad };
}

describe('writeSkippingBad', () => {
  let tmp: string;
  let real: DuckDBParquetWriter;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-skip-bad-'));
    real = await DuckDBParquetWriter.open({ stagingDir: path.join(tmp, 'staging') });
  });
  after(async () => {
    await real.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a failure that goes away while the batch is halved blames no record', async () => {
    // The first writes fail as a record's fault would, then the cause is gone: what a disk
    // that fills and frees (or a write that only small files fit) looks like to bisection.
    let failuresLeft = 6;
    const flaky: ParquetWriter = {
      columns: (t) => real.columns(t),
      close: async () => {},
      async write(records, outs) {
        if (failuresLeft-- > 0) throw new ParquetWriteError('Conversion Error: transient', []);
        await real.write(records, outs);
      },
    };
    const bad: UnwritableRecord[] = [];
    const dir = fs.mkdtempSync(path.join(tmp, 'flaky-'));
    await writeSkippingBad(flaky, INPUTS, outputs(dir), (b) => bad.push(b)).catch((err: unknown) =>
      assert.ok(err instanceof ParquetWriteError, String(err)),
    );
    assert.deepEqual(
      bad.map((b) => b.seq),
      [],
      'a record that can be written alone is not a bad record',
    );
  });

  test('a record that fails every time alone is still found and skipped', async () => {
    const poison = 7;
    const picky: ParquetWriter = {
      columns: (t) => real.columns(t),
      close: async () => {},
      async write(records, outs) {
        if (records.some((r) => r.seq === poison))
          throw new ParquetWriteError('Conversion Error: cannot write this value', []);
        await real.write(records, outs);
      },
    };
    const bad: UnwritableRecord[] = [];
    const dir = fs.mkdtempSync(path.join(tmp, 'picky-'));
    const { skipped } = await writeSkippingBad(picky, INPUTS, outputs(dir), (b) => bad.push(b));
    assert.equal(skipped, 1);
    assert.deepEqual(
      bad.map((b) => b.seq),
      [poison],
    );
    assert.ok(fs.existsSync(outputs(dir)[0]!.path));
  });

  describe('on a real full disk', () => {
    let disk: SmallDisk | string;
    before(() => {
      disk = mountSmallDisk(8);
    });
    after(() => {
      if (typeof disk !== 'string') disk.unmount();
    });

    test("the write fails as the storage's fault, and no record is blamed", async (t) => {
      if (typeof disk === 'string') return t.skip(disk);
      const writer = await DuckDBParquetWriter.open({
        stagingDir: path.join(disk.dir, 'staging'),
      });
      try {
        disk.fill();
        const { err, bad } = await storageFailureOf(writer, disk.dir);
        assert.match(err.message, /no space left on device/i);
        assert.equal(bad.length, 0, `blamed ${bad.map((b) => b.seq).join(',')}`);
        disk.free();
        const { skipped } = await writeSkippingBad(writer, INPUTS, outputs(disk.dir), () => {});
        assert.equal(skipped, 0, 'once the disk has room the same records are written');
      } finally {
        await writer.close();
      }
    });
    test("DuckDB writing Parquet onto the full disk fails as the storage's fault too", async (t) => {
      if (typeof disk === 'string') return t.skip(disk);
      // staging on a disk with room: the failure is DuckDB's COPY, not Node's staging write
      const writer = await DuckDBParquetWriter.open({ stagingDir: path.join(tmp, 'staging-2') });
      try {
        disk.fill();
        const { err, bad } = await storageFailureOf(writer, disk.dir);
        assert.match(err.message, /IO Error: .*no space left on device/i, "DuckDB's own error");
        assert.equal(err.code, 'ENOSPC');
        assert.equal(bad.length, 0, `blamed ${bad.map((b) => b.seq).join(',')}`);
      } finally {
        disk.free();
        await writer.close();
      }
    });
  });
});
