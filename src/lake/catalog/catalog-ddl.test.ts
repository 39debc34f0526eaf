/**
 * The lake writer on all three streams, the catalog it keeps, the DDL printed from it
 * checked against the Parquet files actually written, and a schema change (a new column)
 * that adds a catalog version while old files still read.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { variedRecord } from '../../model/testing/records.js';
import { silentLogger } from '../../ops/logger.js';
import type { EmbeddedStream } from '../../stream/embedded/embedded-stream.js';
import type { Stream } from '../../stream/stream.js';
import { DuckDBParquetWriter } from '../duckdb/duckdb-parquet-writer.js';
import { lakeRoot } from '../lake-layout.js';
import type { LakeWriterConfig } from '../lake-writer.js';
import { LocalObjectStore } from '../object-store/local/local-object-store.js';
import { LAKE_TABLES, type LakeTable } from '../tables.js';
import { openLakeReader } from '../testing/lake-reader.js';
import {
  deadLetterAppend,
  sampleDeadLetter,
  sampleStatsRow,
  statsAppend,
} from '../testing/side-records.js';
import { startLocalLakeWriter } from '../testing/start-local-lake-writer.js';
import { openTestStream, recordAppend } from '../testing/test-stream.js';
import { writerConfig } from '../testing/writer-config.js';
import { Catalog } from './catalog.js';
import { athenaDdl, glueTableInput } from './table-ddl.js';

const BASE = Date.parse('2026-11-26T05:58:00.000Z');
const REPO = path.resolve(import.meta.dirname, '..', '..', '..');

/** Runs the writer until it has read `expected` records over all streams, then stops it. */
async function runWriter(
  config: LakeWriterConfig,
  streams: { stream: Stream; deadLetters: Stream; stats: Stream },
  expected: number,
  parquet?: DuckDBParquetWriter,
) {
  const writer = await startLocalLakeWriter({
    stream: streams.stream,
    sideStreams: { deadLetters: streams.deadLetters, stats: streams.stats },
    config,
    logger: silentLogger,
    ...(parquet ? { parquet } : {}),
  });
  const deadline = Date.now() + 20_000;
  while (writer.stats().read < expected && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  await writer.stop();
  assert.equal(writer.stats().read, expected, 'the writer read every record');
  return writer.stats();
}

interface FileColumn {
  name: string;
  /** Physical type, or GROUP for a nested column. */
  physical: string;
  logical: string;
}

/** Top-level columns of a Parquet file, from DuckDB's parquet_schema() (a flattened tree). */
async function parquetColumns(file: string): Promise<FileColumn[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(
      `select name, type, num_children, converted_type, logical_type from parquet_schema('${file}')`,
    );
    const rows = r.getRowObjectsJS() as {
      name: string;
      type: string | null;
      num_children: bigint | number | null;
      converted_type: string | null;
      logical_type: string | null;
    }[];
    // Walk the tree: row 0 is the root; collect its direct children.
    const out: FileColumn[] = [];
    let i = 1;
    const skip = (): void => {
      const n = Number(rows[i]!.num_children ?? 0);
      i++;
      for (let k = 0; k < n; k++) skip();
    };
    const rootChildren = Number(rows[0]!.num_children);
    for (let k = 0; k < rootChildren; k++) {
      const row = rows[i]!;
      out.push({
        name: row.name,
        physical: Number(row.num_children ?? 0) > 0 ? 'GROUP' : String(row.type),
        logical: `${row.converted_type ?? ''} ${row.logical_type ?? ''}`,
      });
      skip();
    }
    return out;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Whether a Parquet top-level column can be read as the Hive type of the DDL. */
function compatible(hive: string, col: FileColumn): boolean {
  if (hive.startsWith('array<') || hive.startsWith('struct<')) return col.physical === 'GROUP';
  if (hive.startsWith('decimal(')) return /DECIMAL/i.test(col.logical);
  const physical: Record<string, RegExp> = {
    string: /^BYTE_ARRAY$/,
    int: /^INT32$/,
    bigint: /^INT64$/,
    double: /^DOUBLE$/,
    boolean: /^BOOLEAN$/,
    date: /^INT32$/,
    timestamp: /^INT64$/,
  };
  const logical: Record<string, RegExp> = {
    string: /UTF8|String/i,
    date: /DATE/i,
    timestamp: /TIMESTAMP/i,
    int: /^(\s*|INT_32.*|.*Integer.*)$/i,
    bigint: /^(\s*|INT_64.*|.*Integer.*)$/i,
    double: /.*/,
    boolean: /.*/,
  };
  return (
    (physical[hive]?.test(col.physical) ?? false) && (logical[hive]?.test(col.logical) ?? false)
  );
}

/** `name type` pairs of the column list and the partition keys of an Athena DDL. */
function parseDdl(ddl: string) {
  const body = ddl.slice(ddl.indexOf('(\n') + 2, ddl.indexOf('\n)\nPARTITIONED BY'));
  const columns = body.split(',\n').map((l) => {
    const m = /^ {2}`([^`]+)` (.+)$/.exec(l);
    assert.ok(m, `a column line: ${l}`);
    return { name: m[1]!, type: m[2]! };
  });
  const keys = [.../PARTITIONED BY \((.+)\)/.exec(ddl)![1]!.matchAll(/`(\w+)` string/g)].map(
    (m) => m[1]!,
  );
  const location = /LOCATION '([^']+)'/.exec(ddl)![1]!;
  return { columns, keys, location };
}

function filesOf(root: string, table: LakeTable): string[] {
  const dir = path.join(root, table);
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => path.join(dir, f));
}

/** Checks the DDL of every table against the files under `root`. */
async function checkDdlAgainstFiles(root: string, catalog: Catalog) {
  for (const table of LAKE_TABLES) {
    const ddl = athenaDdl(catalog, table, { baseLocation: 's3://bucket/lake' });
    const { columns, keys, location } = parseDdl(ddl);
    assert.equal(location, `s3://bucket/lake/${table}/`);
    const files = filesOf(root, table);
    assert.ok(files.length > 0, `${table} has files`);
    const inSomeFile = new Set<string>();
    for (const f of files) {
      const fileCols = await parquetColumns(f);
      for (const fc of fileCols) {
        inSomeFile.add(fc.name);
        const d = columns.find((c) => c.name === fc.name);
        assert.ok(d, `${table}: column ${fc.name} of ${f} is in the DDL`);
        assert.ok(
          compatible(d.type, fc),
          `${table}.${fc.name}: DDL ${d.type} vs file ${JSON.stringify(fc)}`,
        );
      }
      // Partition keys are the directory names, never columns of the files.
      const rel = path.relative(path.join(root, table), f).split(path.sep);
      assert.deepEqual(
        rel.slice(0, -1).map((s) => s.split('=')[0]),
        keys,
        `${f} sits under ${keys.join('/')}`,
      );
      for (const k of keys) assert.ok(!fileCols.some((c) => c.name === k), `${k} not in ${f}`);
    }
    for (const c of columns)
      assert.ok(inSomeFile.has(c.name), `${table}: DDL column ${c.name} is in a file`);
    const glue = glueTableInput(catalog, table, { baseLocation: 's3://bucket/lake' }) as {
      StorageDescriptor: { Columns: { Name: string; Type: string }[]; Location: string };
      PartitionKeys: { Name: string }[];
    };
    assert.deepEqual(
      glue.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type })),
      columns,
    );
    assert.deepEqual(
      glue.PartitionKeys.map((k) => k.Name),
      keys,
    );
    assert.equal(glue.StorageDescriptor.Location, location);
  }
}

describe('lake tables, catalog and DDL', () => {
  let tmp: string;
  let streams: { stream: EmbeddedStream; deadLetters: EmbeddedStream; stats: EmbeddedStream };
  let dataDir: string;
  let config: LakeWriterConfig;
  const RECORDS = Array.from({ length: 40 }, (_, i) =>
    variedRecord(i, { receivedAtMs: BASE + i * 6000, vendor: i % 3 === 0 ? 'kiwi' : 'generic' }),
  );
  const STATS = [
    sampleStatsRow(0, 'generic', BASE - 58_000),
    sampleStatsRow(1, 'kiwi', BASE - 58_000),
    sampleStatsRow(2, 'generic', BASE + 122_000),
  ];
  const LETTERS = [
    sampleDeadLetter(0, 'generic', BASE + 1000),
    sampleDeadLetter(1, 'amadeus', BASE + 200_000),
  ];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-catalog-'));
    dataDir = path.join(tmp, 'data');
    config = writerConfig(dataDir, { rotateSeconds: 60, batch: { count: 1000, periodMs: 50 } });
    const sdir = path.join(tmp, 'stream');
    streams = {
      stream: await openTestStream(sdir, 'shopping', { shards: 2 }),
      deadLetters: await openTestStream(sdir, 'dead-letters'),
      stats: await openTestStream(sdir, 'ingest-stats'),
    };
    await streams.stream.append(RECORDS.map(recordAppend));
    await streams.stats.append(STATS.map(statsAppend));
    await streams.deadLetters.append(LETTERS.map(deadLetterAppend));
  });

  after(async () => {
    for (const s of Object.values(streams)) await s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the writer fills all four tables from the three streams and records their partitions', async () => {
    const stats = await runWriter(config, streams, RECORDS.length + STATS.length + LETTERS.length);
    assert.equal(stats.badRecords, 0);
    assert.equal(stats.bySource.stats?.records, STATS.length);
    const q = await openLakeReader(dataDir);
    try {
      assert.deepEqual(await q.all('select count(*) n, count(distinct id) ids from searches'), [
        { n: RECORDS.length, ids: RECORDS.length },
      ]);
      const s = await q.all(
        'select vendor, dt, hour, period_start, requests, rejections, flagged_records, latency_p99_ms from ingest_stats order by period_start, vendor',
      );
      assert.deepEqual(
        s.map((r) => [r.vendor, r.dt, r.hour, r.period_start, r.requests, r.latency_p99_ms]),
        [
          ['generic', '2026-11-26', 5, '2026-11-26T05:57:02.000Z', 10, 12.25],
          ['kiwi', '2026-11-26', 5, '2026-11-26T05:57:02.000Z', 11, null],
          ['generic', '2026-11-26', 6, '2026-11-26T06:00:02.000Z', 12, 12.25],
        ],
      );
      assert.deepEqual(s[0]!.rejections, [
        { reason: 'offers[].currency: not ISO 4217', count: 2 },
        { reason: 'unauthorized', count: 1 },
      ]);
      // records accepted with a flag, per flag; a row without flags has an empty list
      assert.deepEqual(s[0]!.flagged_records, [
        { flag: 'unknownAirport', count: 3 },
        { flag: 'amountsInconsistent', count: 1 },
      ]);
      assert.deepEqual(s[1]!.flagged_records, []);
      const d = await q.all(
        'select id, vendor, hour, stage, received_at, rejected, content_type, payload_sha256, payload_bytes, payload, payload_encoding from dead_letters order by id',
      );
      assert.equal(d.length, 2);
      assert.deepEqual(d[0], {
        id: 'req-0',
        vendor: 'generic',
        hour: 5,
        stage: 'ingest',
        received_at: '2026-11-26T05:58:01.000Z',
        rejected: [
          { index: 0, reason: 'origin: not an IATA code' },
          { index: 3, reason: 'offers[0].currency: not ISO 4217' },
        ],
        content_type: 'application/json',
        payload_sha256: LETTERS[0]!.payloadSha256,
        payload_bytes: LETTERS[0]!.payloadBytes,
        payload: '{"bad":0}',
        payload_encoding: 'utf8',
      });
      assert.equal(d[1]!.payload_encoding, 'base64');
      assert.equal(Buffer.from(String(d[1]!.payload), 'base64').length, 4);
    } finally {
      await q.close();
    }
    const catalog = await Catalog.load(new LocalObjectStore(lakeRoot(dataDir)));
    assert.ok(catalog, 'the catalog is stored');
    for (const t of LAKE_TABLES) {
      const dirs = [
        ...new Set(
          filesOf(lakeRoot(dataDir), t).map((f) =>
            path
              .relative(path.join(lakeRoot(dataDir), t), path.dirname(f))
              .split(path.sep)
              .join('/'),
          ),
        ),
      ].sort();
      assert.deepEqual(
        catalog.table(t).partitions,
        dirs,
        `${t}: catalog partitions are the directories`,
      );
      assert.equal(catalog.table(t).versions.length, 1);
    }
    assert.deepEqual(catalog.table('dead_letters').partitions, [
      'vendor=amadeus/dt=2026-11-26/hour=06',
      'vendor=generic/dt=2026-11-26/hour=05',
    ]);
  });

  test('the Athena and Glue DDL match the files written, column by column', async () => {
    const catalog = (await Catalog.load(new LocalObjectStore(lakeRoot(dataDir))))!;
    await checkDdlAgainstFiles(lakeRoot(dataDir), catalog);
    const ddl = athenaDdl(catalog, 'offers', { baseLocation: 's3://bucket/lake' });
    assert.match(ddl, /^CREATE EXTERNAL TABLE IF NOT EXISTS `faresight`\.`offers` \(/);
    assert.match(ddl, /`total_amount` decimal\(18,3\)/);
    assert.match(
      ddl,
      /`legs` array<struct<stops:int,duration_minutes:int,segments:array<struct<carrier:string,/,
    );
    assert.match(
      ddl,
      /PARTITIONED BY \(`vendor` string, `dt` string, `hour` string\)\nSTORED AS PARQUET/,
    );
    assert.match(ddl, /'projection.vendor.values'='generic,kiwi'/);
    assert.match(ddl, /'projection.dt.range'='2026-11-26,NOW'/);
    assert.match(
      ddl,
      /'storage.location.template'='s3:\/\/bucket\/lake\/offers\/vendor=\$\{vendor\}\/dt=\$\{dt\}\/hour=\$\{hour\}\/'/,
    );
  });

  test('a new column adds a schema version; old and new files read together', async () => {
    const more = Array.from({ length: 10 }, (_, i) =>
      variedRecord(100 + i, { receivedAtMs: BASE + 3_600_000 + i * 1000, vendor: 'generic' }),
    );
    await streams.stream.append(more.map(recordAppend));
    const parquet = await DuckDBParquetWriter.open({
      stagingDir: path.join(dataDir, 'tmp', 'v2'),
      extraColumns: {
        searches: [{ name: 'route_key', type: 'VARCHAR', expr: "origin || '/' || destination" }],
      },
    });
    try {
      // A fresh group position: only the new records are unread by group `lake`.
      await runWriter(config, streams, more.length, parquet);
    } finally {
      await parquet.close();
    }
    const catalog = (await Catalog.load(new LocalObjectStore(lakeRoot(dataDir))))!;
    const versions = catalog.table('searches').versions;
    assert.equal(versions.length, 2);
    assert.deepEqual(versions[1]!.columns.at(-1), { name: 'route_key', type: 'VARCHAR' });
    assert.equal(catalog.table('offers').versions.length, 1, 'offers did not change');
    const q = await openLakeReader(dataDir);
    try {
      assert.deepEqual(
        await q.all(
          'select count(*) n, count(route_key) with_key, count(distinct id) ids from searches',
        ),
        [
          {
            n: RECORDS.length + more.length,
            with_key: more.length,
            ids: RECORDS.length + more.length,
          },
        ],
      );
      assert.deepEqual(
        await q.all(
          'select distinct route_key from searches where hour = 6 and route_key is not null order by 1 limit 1',
        ),
        [{ route_key: 'CDG/JFK' }],
      );
    } finally {
      await q.close();
    }
    await checkDdlAgainstFiles(lakeRoot(dataDir), catalog);
    assert.match(
      athenaDdl(catalog, 'searches', { baseLocation: 's3://b/p' }),
      /`route_key` string/,
    );
  });

  test('faresight catalog show and ddl print from the stored catalog', () => {
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/testing/lake-cli-harness.ts', ...args],
        {
          cwd: REPO,
          encoding: 'utf8',
          env: { ...process.env, FARESIGHT_DATA_DIR: dataDir },
        },
      );
    const show = run('catalog', 'show');
    assert.equal(show.status, 0, show.stderr);
    assert.match(
      show.stdout,
      /^searches\n {2}location {4}file:\/\/.*\/lake\/searches\/\n {2}partitions {2}\d+ \(2026-11-26 \.\. 2026-11-26/,
    );
    assert.match(show.stdout, /schema v2 {3}\d+ columns since/);
    const glue = run(
      'catalog',
      'ddl',
      '--engine',
      'glue',
      '--table',
      'offers',
      '--location',
      's3://my-bucket/lake/',
    );
    assert.equal(glue.status, 0, glue.stderr);
    const input = JSON.parse(glue.stdout);
    assert.equal(input.Name, 'offers');
    assert.equal(input.StorageDescriptor.Location, 's3://my-bucket/lake/offers/');
    assert.equal(
      input.StorageDescriptor.SerdeInfo.SerializationLibrary,
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    );
    assert.equal(input.Parameters['projection.hour.digits'], '2');
    const athena = run('catalog', 'ddl', '--engine', 'athena');
    assert.equal(athena.status, 0, athena.stderr);
    assert.equal(athena.stdout.match(/CREATE EXTERNAL TABLE/g)?.length, LAKE_TABLES.length);
    assert.match(athena.stdout, /LOCATION 'file:\/\/.*\/lake\/dead_letters\/'/);
    assert.match(athena.stderr, /warning: LOCATION is a local path .* pass --location s3:\/\//);
    const bad = run('catalog', 'ddl', '--table', 'nope');
    assert.notEqual(bad.status, 0);
    assert.match(
      bad.stderr,
      /--table must be one of searches, offers, ingest_stats, dead_letters \(got "nope"\)/,
    );
  });
});
