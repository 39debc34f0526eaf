import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { lakeRoot } from '../../lake/lake-layout.js';
import { LocalObjectStore } from '../../lake/object-store/local/local-object-store.js';
import { PlatformConsoleBackend, type PlatformConsoleDeps } from './console-backend.js';
import { openLocalLake } from './lake.js';

const DAY_MS = 86_400_000;

/** Writes `n` dead letters of `vendor` received on the UTC day `daysAgo` before today, at hour 00. */
async function writeDeadLetters(dataDir: string, vendor: string, daysAgo: number, n: number) {
  const dt = new Date(Date.now() - daysAgo * DAY_MS).toISOString().slice(0, 10);
  const dir = path.join(
    lakeRoot(dataDir),
    'dead_letters',
    `vendor=${vendor}`,
    `dt=${dt}`,
    'hour=00',
  );
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `0-${daysAgo * 100}-${daysAgo * 100 + n - 1}.parquet`);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (SELECT '${vendor}-' || ${daysAgo} || '-' || i AS id, 'ingest' AS stage,
      TIMESTAMP '${dt} 00:00:00' + INTERVAL (i) MINUTE AS received_at,
      [{'index': NULL, 'reason': 'bad ' || i}]::STRUCT("index" INTEGER, reason VARCHAR)[] AS rejected,
      'application/json' AS content_type, 'x' AS payload_sha256, 2::BIGINT AS payload_bytes,
      '{}' AS payload, 'utf8' AS payload_encoding, NULL::VARCHAR AS payload_object,
      NULL::VARCHAR AS request_id, 0::INTEGER AS stream_shard, i::BIGINT AS stream_seq
    FROM range(${n}) t(i)) TO '${file}' (FORMAT parquet)`);
  conn.closeSync();
  db.closeSync();
  return file;
}

describe('the Console backend: dead letters', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-console-dl-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const backend = (dataDir: string) =>
    new PlatformConsoleBackend({
      openLake: () => openLocalLake({ dataDir }),
      store: new LocalObjectStore(lakeRoot(dataDir)),
      customers: { jobs: async () => [] },
      slices: {},
    } as unknown as PlatformConsoleDeps);

  test('the newest first, across days, as one ORDER BY over the whole table', async () => {
    const dataDir = path.join(tmp, 'order');
    await writeDeadLetters(dataDir, 'kiwi', 0, 3);
    await writeDeadLetters(dataDir, 'sabre', 2, 2);
    await writeDeadLetters(dataDir, 'kiwi', 40, 2);
    for (const d of [1, 3, 6, 9, 12, 20, 30]) await writeDeadLetters(dataDir, 'amadeus', d, 1);
    const b = backend(dataDir);
    try {
      const ids = async (limit: number, vendor?: string) =>
        (await b.deadLetters({ limit, ...(vendor ? { vendor } : {}) })).map((d) => d.id);
      assert.deepEqual(await ids(2), ['kiwi-0-2', 'kiwi-0-1']);
      assert.deepEqual(await ids(5), [
        'kiwi-0-2',
        'kiwi-0-1',
        'kiwi-0-0',
        'amadeus-1-0',
        'sabre-2-1',
      ]);
      assert.deepEqual(await ids(100), [
        ...['kiwi-0-2', 'kiwi-0-1', 'kiwi-0-0', 'amadeus-1-0', 'sabre-2-1', 'sabre-2-0'],
        ...['amadeus-3-0', 'amadeus-6-0', 'amadeus-9-0', 'amadeus-12-0', 'amadeus-20-0'],
        ...['amadeus-30-0', 'kiwi-40-1', 'kiwi-40-0'],
      ]);
      assert.deepEqual(await ids(9), (await ids(100)).slice(0, 9));
      assert.deepEqual(await ids(4, 'kiwi'), ['kiwi-0-2', 'kiwi-0-1', 'kiwi-0-0', 'kiwi-40-1']);
      const [first] = await b.deadLetters({ limit: 1 });
      assert.deepEqual(first?.reasons, ['bad 2']);
    } finally {
      await b.close();
    }
  });

  test('a limit met by the newest days opens no older file', async () => {
    const dataDir = path.join(tmp, 'unopened');
    await writeDeadLetters(dataDir, 'kiwi', 0, 3);
    const old = await writeDeadLetters(dataDir, 'kiwi', 5, 3);
    const b = backend(dataDir);
    try {
      assert.equal((await b.deadLetters({ limit: 1 })).length, 1); // the lake is open
      fs.writeFileSync(old, 'not parquet'); // a query that opens it fails
      assert.deepEqual(
        (await b.deadLetters({ limit: 3 })).map((d) => d.id),
        ['kiwi-0-2', 'kiwi-0-1', 'kiwi-0-0'],
      );
      await assert.rejects(b.deadLetters({ limit: 4 }), /parquet/i);
    } finally {
      await b.close();
    }
  });
});
