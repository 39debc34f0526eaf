/**
 * `npm run bench -- lake [records] [rotateSeconds]`: a generated day of traffic (default
 * 50,000 searches, about 375,000 offers, receivedAt spread evenly over 2026-11-26) goes
 * through an embedded stream into the lake writer. Printed side by side, all measured in
 * this run:
 * - offers/s written by the lake writer (read, decode, Parquet, durable put, commit)
 *   against DuckDB writing the same rows itself: the same NDJSON-to-Parquet path in one
 *   call, and a bare `COPY ... TO parquet` of the already-typed offers (the ceiling);
 * - Parquet bytes of the lake against the raw JSON bytes of the same records;
 * - files and bytes read by a one-hour query against a full scan.
 * rotateSeconds defaults to 3600: the day is compressed into few records, and record-time
 * cuts of 60 s would give files of a dozen records that measure per-file overhead only.
 */
import * as fs from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { configSchema } from '../src/config/config.js';
import { createGenerator } from '../src/generator/generator.js';
import { DuckDBParquetWriter } from '../src/lake/duckdb/duckdb-parquet-writer.js';
import {
  type PackedRecords,
  packRecords,
  unpackRecords,
} from '../src/lake/duckdb/staging-thread.js';
import { lakeRoot } from '../src/lake/lake-layout.js';
import type { LakeInput } from '../src/lake/parquet-writer.js';
import { compactLocalLake } from '../src/lake/testing/compact-local-lake.js';
import { startLocalLakeWriter } from '../src/lake/testing/start-local-lake-writer.js';
import { encodeRecord } from '../src/model/codec.js';
import { marketKey } from '../src/model/shopping-record.js';
import { silentLogger } from '../src/ops/logger.js';
import { EmbeddedStream } from '../src/stream/embedded/embedded-stream.js';
import type { AppendRecord } from '../src/stream/stream.js';

const N = Number(process.argv[2] ?? 50_000);
const ROTATE = Number(process.argv[3] ?? 3600);
const DAY = Date.parse('2026-11-26T00:00:00.000Z');
const dir = fs.mkdtempSync(join(tmpdir(), 'fs-bench-lake-'));
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const line = (name: string, value: string, note = '') =>
  console.log(`${name.padEnd(52)} ${value.padStart(16)}  ${note}`);

function walk(root: string, filter: (f: string) => boolean): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  if (!fs.existsSync(root)) return { files, bytes };
  for (const f of fs.readdirSync(root, { recursive: true }) as string[]) {
    if (!f.endsWith('.parquet') || !filter(f)) continue;
    files++;
    bytes += fs.statSync(join(root, f)).size;
  }
  return { files, bytes };
}

/** Generates the day into `stream`; returns its sizes and every record's bytes, packed. */
async function appendDay(stream: EmbeddedStream) {
  const gen = createGenerator({ seed: 42, start: new Date(DAY) });
  const packs: PackedRecords[] = [];
  let offers = 0;
  let jsonBytes = 0;
  let appendMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i += 2000) {
    const chunk: AppendRecord[] = [];
    for (let j = i; j < Math.min(N, i + 2000); j++) {
      const r = gen.next(new Date(DAY + Math.floor((j * 86_400_000) / N)));
      offers += r.offers.length;
      jsonBytes += Buffer.byteLength(JSON.stringify(r));
      chunk.push({
        key: marketKey(r),
        id: r.id,
        data: encodeRecord(r),
        timestamp: Date.parse(r.receivedAt),
      });
    }
    const t = performance.now();
    await stream.append(chunk);
    appendMs += performance.now() - t;
    packs.push(packRecords(chunk.map((a, k) => ({ shard: 0, seq: i + k + 1, data: a.data }))));
  }
  const generateSec = (performance.now() - t0 - appendMs) / 1000;
  return { offers, jsonBytes, packs, generateSec, appendSec: appendMs / 1000 };
}

try {
  // A day of traffic, generated and appended in chunks. The bench keeps no record objects
  // once they are in the stream, only their bytes packed in a few buffers (for the
  // one-call row below): the writer then runs in a heap as small as a lake writer
  // process has, and the collector's work in it is the writer's own.
  const stream = new EmbeddedStream({
    dir: join(dir, 'stream'),
    name: 'shopping',
    shards: 4,
    retentionMs: 10 * 365 * 86_400_000,
    dedupeWindowMs: 0,
    trimIntervalMs: 0,
  });
  await stream.connect();
  const day = await appendDay(stream);
  const { offers, jsonBytes } = day;
  console.log(
    `${fmt(N)} searches, ${fmt(offers)} offers, ${mb(jsonBytes)} of JSON, generated in ${day.generateSec.toFixed(1)} s; rotateSeconds ${ROTATE}\n`,
  );
  line('stream append (setup)', `${fmt(N / day.appendSec)} rec/s`);

  // The lake writer, through the stream.
  const dataDir = join(dir, 'data');
  // A short batch period: a batch fills on count under load; the period only decides how
  // long the last, partial batch of the run lingers, which is not throughput.
  const config = configSchema.parse({
    dataDir,
    lake: { rotateSeconds: ROTATE, batch: { periodMs: 200 } },
  });
  // Timed from the moment the writer is up: opening DuckDB and starting the staging thread
  // (about 0.2 s) happen once per process, not per record, and the ceiling below does not
  // count opening its DuckDB either. The end-to-end figure is printed beside it.
  const tOpen = performance.now();
  const writer = await startLocalLakeWriter({ stream, config, logger: silentLogger });
  let t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (writer.stats().read < N) await new Promise((r) => setTimeout(r, 20));
  await writer.stop();
  const writerSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const openSec = (t0 - tOpen) / 1000;
  await stream.close();
  const s = writer.stats();
  // CPU of the whole process (every thread) over the writer's run: how well the staging
  // thread, the main thread and DuckDB's threads fill the machine's cores.
  const cores = (cpu.user + cpu.system) / 1e6 / writerSec;
  line(
    'lake writer (stream -> Parquet, durable)',
    `${fmt(offers / writerSec)} offers/s`,
    `${s.files} files, ${writerSec.toFixed(1)} s, ${fmt(N / writerSec)} searches/s, CPU ${cores.toFixed(2)} of ${availableParallelism()} cores`,
  );
  line(
    '  end to end, with starting the writer',
    `${fmt(offers / (writerSec + openSec))} offers/s`,
    `started in ${(openSec * 1000).toFixed(0)} ms`,
  );

  // DuckDB on its own: the same NDJSON -> COPY path in one call.
  const inputs: LakeInput[] = day.packs.flatMap(unpackRecords);
  const pw = await DuckDBParquetWriter.open({
    stagingDir: join(dir, 'ceiling'),
    compressionLevel: config.lake.compressionLevel,
  });
  t0 = performance.now();
  await pw.write(inputs, [
    { table: 'searches', path: join(dir, 'ceiling', 'searches.parquet') },
    { table: 'offers', path: join(dir, 'ceiling', 'offers.parquet') },
  ]);
  const oneShot = (performance.now() - t0) / 1000;
  await pw.close();
  line(
    'DuckDB one call, same rows (NDJSON -> COPY)',
    `${fmt(offers / oneShot)} offers/s`,
    `${oneShot.toFixed(1)} s, no stream, no fsync`,
  );

  // The ceiling: a bare COPY of the typed offers rows.
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  await conn.run(
    `CREATE TABLE o AS SELECT * FROM read_parquet('${join(dir, 'ceiling', 'offers.parquet')}')`,
  );
  t0 = performance.now();
  await conn.run(
    `COPY o TO '${join(dir, 'ceiling', 'copy.parquet')}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${config.lake.compressionLevel})`,
  );
  const copySec = (performance.now() - t0) / 1000;
  line(
    'DuckDB COPY of the typed offers (ceiling)',
    `${fmt(offers / copySec)} offers/s`,
    `${copySec.toFixed(2)} s`,
  );

  // Size.
  const root = lakeRoot(dataDir);
  const all = walk(root, () => true);
  console.log('');
  line('raw JSON of the records', mb(jsonBytes));
  line(
    'lake Parquet (searches + offers)',
    mb(all.bytes),
    `1/${(jsonBytes / all.bytes).toFixed(1)} of the JSON (target <= 1/8)`,
  );
  line('  of which offers', mb(walk(root, (f) => f.startsWith('offers')).bytes));

  // Partition pruning.
  console.log('');
  const glob = `${root}/offers/vendor=*/dt=*/hour=*/*.parquet`;
  await conn.run(
    `CREATE VIEW offers AS SELECT * FROM read_parquet('${glob}', hive_partitioning = true, hive_types = {'dt': DATE, 'hour': INTEGER})`,
  );
  const explain = async (sql: string) => {
    const t = performance.now();
    const r = await conn.runAndReadAll(`EXPLAIN ANALYZE ${sql}`);
    const ms = performance.now() - t;
    const text = r.getRows().flat().map(String).join('\n');
    return { files: Number(/Total Files Read:\s*(\d+)/.exec(text)?.[1] ?? Number.NaN), ms };
  };
  const hourSql =
    "SELECT count(*), avg(total_amount) FROM offers WHERE dt = '2026-11-26' AND hour = 5";
  const fullSql = 'SELECT count(*), avg(total_amount) FROM offers';
  const hour = await explain(hourSql);
  const full = await explain(fullSql);
  const hourFiles = walk(join(root, 'offers'), (f) => f.includes('hour=05'));
  line(
    'one-hour query: files read',
    `${hour.files}`,
    `${hourFiles.files} files, ${mb(hourFiles.bytes)} in that hour; ${hour.ms.toFixed(0)} ms`,
  );
  line(
    'full scan: files read',
    `${full.files}`,
    `${walk(join(root, 'offers'), () => true).files} files, ${mb(walk(join(root, 'offers'), () => true).bytes)}; ${full.ms.toFixed(0)} ms`,
  );
  conn.closeSync();
  db.closeSync();

  console.log('');
  // What stays in the lake: compaction rewrites closed partitions at its own zstd level.
  const report = await compactLocalLake(root, {
    compressionLevel: config.lake.compactCompressionLevel,
    stagingDir: join(dir, 'compact'),
    now: DAY + 2 * 86_400_000,
  });
  const after = walk(root, () => true);
  line(
    `  after lake compact (zstd ${config.lake.compactCompressionLevel})`,
    mb(after.bytes),
    `1/${(jsonBytes / after.bytes).toFixed(1)} of the JSON; ${report.filesIn} files merged into ${report.filesOut}`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
