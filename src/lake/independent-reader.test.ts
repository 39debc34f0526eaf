/**
 * The lake must read with engines other than the one that wrote it. hyparquet is a
 * Parquet reader written from the format specification in plain JavaScript, sharing no
 * code with DuckDB: every file the lake writer makes is read with it (zstd, DECIMAL,
 * TIMESTAMP, nested lists of structs) and checked against the records appended, and the
 * Hive path of each file against its rows; then again after `lake compact` has merged
 * them (at its own zstd level).
 */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { createGenerator } from '../generator/generator.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { silentLogger } from '../ops/logger.js';
import { DEFAULT_COMPACT_COMPRESSION_LEVEL } from './lake-defaults.js';
import { lakeRoot, partitionOf } from './lake-layout.js';
import { TABLE_COLUMNS } from './tables.js';
import { compactLocalLake } from './testing/compact-local-lake.js';
import { startLocalLakeWriter } from './testing/start-local-lake-writer.js';
import { openTestStream, recordAppend } from './testing/test-stream.js';
import { writerConfig } from './testing/writer-config.js';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-lake-hyparquet-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Row = Record<string, unknown>;

async function readFile(file: string): Promise<Row[]> {
  const buf = fs.readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return (await parquetReadObjects({ file: ab, compressors })) as Row[];
}

/** Rows of every file of `table`, each with the vendor/dt/hour of its path. */
async function readTable(root: string, table: string): Promise<Row[]> {
  const dir = path.join(root, table);
  const rows: Row[] = [];
  for (const rel of (fs.readdirSync(dir, { recursive: true }) as string[]).sort()) {
    if (!rel.endsWith('.parquet')) continue;
    const m = /^vendor=([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/[^/]+\.parquet$/.exec(rel);
    assert.ok(m, `Hive layout: ${rel}`);
    const file = path.join(dir, rel);
    const buf = fs.readFileSync(file);
    const meta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    assert.ok(
      meta.row_groups.every((g) => g.columns.every((c) => c.meta_data?.codec === 'ZSTD')),
      `${rel} is zstd`,
    );
    for (const r of await readFile(file)) rows.push({ ...r, _path: m.slice(1, 4) });
  }
  return rows;
}

const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number));
const ms = (v: unknown) => (v instanceof Date ? v.getTime() : Number.NaN);

test('every lake file reads with an independent Parquet reader and holds exactly the records, before and after compaction', async () => {
  const dataDir = path.join(tmp, 'data');
  const stream = await openTestStream(path.join(tmp, 'stream'), 'shopping', { shards: 2 });
  const start = Date.parse('2026-11-26T05:40:00.000Z');
  const gen = createGenerator({ seed: 11, start: new Date(start) });
  const records: ShoppingRecord[] = [];
  for (let i = 0; i < 400; i++) records.push(gen.next(new Date(start + i * 9_000)));
  await stream.append(records.map(recordAppend));
  const config = writerConfig(dataDir, { rotateSeconds: 600, batch: { count: 150, periodMs: 50 } });
  const writer = await startLocalLakeWriter({ stream, config, logger: silentLogger });
  while (writer.stats().read < records.length) await new Promise((r) => setTimeout(r, 20));
  await writer.stop();
  await stream.close();

  const root = lakeRoot(dataDir);
  await checkLake(root, records);
  // Compaction rewrites the files (zstd level 9); the merged files must read the same.
  const files = () =>
    (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet'));
  const before = files();
  const report = await compactLocalLake(root, {
    compressionLevel: DEFAULT_COMPACT_COMPRESSION_LEVEL,
    stagingDir: path.join(tmp, 'compact'),
    now: start + 86_400_000,
  });
  assert.ok(report.filesOut > 0 && report.filesIn > report.filesOut, JSON.stringify(report));
  assert.ok(
    files().length < before.length,
    `${before.length} files before, ${files().length} after`,
  );
  assert.ok(files().some((f) => path.basename(f).startsWith('c-')));
  await checkLake(root, records);
});

/** Reads every file of the lake at `root` with hyparquet and checks it holds exactly `records`. */
async function checkLake(root: string, records: readonly ShoppingRecord[]): Promise<void> {
  const byId = new Map(records.map((r) => [r.id, r]));
  const searches = await readTable(root, 'searches');
  assert.equal(searches.length, records.length);
  assert.deepEqual(
    Object.keys(searches[0]!).filter((k) => k !== '_path'),
    TABLE_COLUMNS.searches.map((c) => c.name),
  );
  for (const s of searches) {
    const r = byId.get(String(s.id));
    assert.ok(r, `search ${s.id} was appended`);
    const p = partitionOf(r.vendor, Date.parse(r.receivedAt));
    assert.deepEqual(s._path, [p.vendor, p.dt, p.hour], `${r.id} is in its partition`);
    assert.equal(ms(s.received_at), Date.parse(r.receivedAt));
    assert.equal(ms(s.shopped_at), Date.parse(r.shoppedAt));
    assert.equal(s.market, `${r.origin}-${r.destination}`);
    assert.equal(s.offer_count, r.offers.length);
    assert.equal(num(s.min_total_amount), Math.min(...r.offers.map((o) => o.totalAmount)));
  }
  assert.equal(new Set(searches.map((s) => s.id)).size, records.length, 'each search once');

  const offers = await readTable(root, 'offers');
  assert.equal(
    offers.length,
    records.reduce((n, r) => n + r.offers.length, 0),
  );
  assert.deepEqual(
    Object.keys(offers[0]!).filter((k) => k !== '_path'),
    TABLE_COLUMNS.offers.map((c) => c.name),
  );
  const seen = new Set<string>();
  for (const o of offers) {
    const r = byId.get(String(o.search_id))!;
    const want = r.offers[o.offer_index as number]!;
    seen.add(`${o.search_id}/${o.offer_index}`);
    assert.equal(num(o.total_amount), want.totalAmount);
    assert.equal(o.currency, want.currency);
    assert.deepEqual(o.carriers, want.carriers);
    assert.equal(o.stops, Math.max(...want.legs.map((l) => l.stops)));
    const legs = o.legs as { stops: number; segments: Row[] }[];
    assert.deepEqual(
      legs.map((l) => [
        l.stops,
        l.segments.map(
          (g) => `${g.carrier}${g.flight_number} ${g.origin}-${g.destination} ${g.depart_at}`,
        ),
      ]),
      want.legs.map((l) => [
        l.stops,
        l.segments.map(
          (g) => `${g.carrier}${g.flightNumber} ${g.origin}-${g.destination} ${g.departAt}`,
        ),
      ]),
    );
  }
  assert.equal(seen.size, offers.length, 'each offer once');
}
