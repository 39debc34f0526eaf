// Runs against s3rver started in-process, so it never skips.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { S3ObjectStore } from '../../lake/object-store/s3/s3-object-store.js';
import { type RunningS3rver, startS3rver } from '../../lake/object-store/testing/with-s3rver.js';
import { DuckDBLakeQuery } from '../duckdb/duckdb-lake-query.js';
import type { LakeQuery } from '../lake-query.js';
import { CacheTooSmallError } from './errors.js';
import { openRemoteLakeQuery } from './remote-lake-query.js';

const DT = '2026-11-26';
const HOURS = ['04', '05', '06'];
const VENDORS = ['amadeus', 'sabre'];

let s3: RunningS3rver;
let tmp: string;
let store: S3ObjectStore;
let local: LakeQuery;
/** Key and size of every file written, as in the store. */
const files: { key: string; size: number }[] = [];

before(async () => {
  s3 = await startS3rver();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-remote-query-'));
  store = new S3ObjectStore({ ...s3.options, prefix: 'lake' });
  // A local lake (the reference) with two files per vendor and hour, copied to S3.
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  let seq = 0;
  for (const vendor of VENDORS)
    for (const hour of HOURS)
      for (const shard of [0, 1]) {
        const key = `offers/vendor=${vendor}/dt=${DT}/hour=${hour}/${shard}-${seq + 1}-${seq + 40}.parquet`;
        const file = path.join(tmp, 'data', 'lake', ...key.split('/'));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        await conn.run(
          `copy (select 's' || (${seq} + i) as search_id, 'JFK' as origin, 'LHR' as destination,
                   (100 + ${seq} + i)::decimal(18,3) as total_amount, 'USD' as currency
                 from range(1, 41) t(i)) to '${file}' (format parquet)`,
        );
        seq += 40;
        const size = fs.statSync(file).size;
        files.push({ key, size });
        await store.put(key, fs.readFileSync(file));
      }
  conn.closeSync();
  db.closeSync();
  local = await DuckDBLakeQuery.open({ dataDir: path.join(tmp, 'data') });
});

after(async () => {
  await local.close();
  await store.close();
  await s3.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const bytesOf = (pred: (key: string) => boolean) =>
  files.filter((f) => pred(f.key)).reduce((n, f) => n + f.size, 0);

const ONE_HOUR = `select vendor, dt, hour, search_id, total_amount from offers
  where dt = '${DT}' and hour = 5 order by search_id`;

test('a one-hour query downloads exactly that hour and matches the local lake', async () => {
  const remote = await openRemoteLakeQuery({
    store,
    cacheDir: path.join(tmp, 'cache-a'),
    cacheMaxBytes: 1024 * 1024,
  });
  try {
    const plan = await remote.plan(ONE_HOUR);
    const hourFiles = files.filter((f) => f.key.includes('/hour=05/'));
    assert.deepEqual(plan.files.map((f) => f.key).sort(), hourFiles.map((f) => f.key).sort());
    const rows = await remote.all(ONE_HOUR);
    assert.equal(rows.length, 4 * 40);
    assert.deepEqual(rows, await local.all(ONE_HOUR));
    assert.equal(remote.cacheStats().downloads, hourFiles.length);
    assert.equal(
      remote.cacheStats().downloadedBytes,
      bytesOf((k) => k.includes('/hour=05/')),
    );

    // Again: served from the cache.
    assert.deepEqual(await remote.all(ONE_HOUR), rows);
    assert.equal(remote.cacheStats().downloads, hourFiles.length);
    assert.equal(remote.cacheStats().hits, hourFiles.length);

    // A predicate it does not understand reads the whole table, and still matches.
    const all = `select vendor, hour, count(*) as n, sum(total_amount) as s from offers
      where hour = 5 or vendor = 'sabre' group by all order by all`;
    assert.deepEqual(await remote.all(all), await local.all(all));
    assert.equal(remote.cacheStats().downloads, files.length);
    // A table with no files is an empty, typed table, as on a local lake.
    assert.deepEqual(await remote.all('select count(*) as n from searches'), [{ n: 0 }]);
  } finally {
    await remote.close();
  }
  assert.deepEqual(fs.readdirSync(path.join(tmp, 'cache-a', 'queries')), [], 'query links removed');
});

test('the cache stays within its bound, evicting the least recently used hour', async () => {
  const hourBytes = (h: string) => bytesOf((k) => k.includes(`/hour=${h}/`));
  const bound = hourBytes('04') + hourBytes('05') + Math.max(...HOURS.map(hourBytes)) / 2;
  const cacheDir = path.join(tmp, 'cache-b');
  const remote = await openRemoteLakeQuery({ store, cacheDir, cacheMaxBytes: bound });
  const q = (h: string) =>
    `select count(*) as n from offers where dt = '${DT}' and hour = ${Number(h)}`;
  const cached = (h: string) =>
    files
      .filter((f) => f.key.includes(`/hour=${h}/`))
      .filter((f) =>
        fs.existsSync(
          path.join(cacheDir, 'objects', fs.readdirSync(path.join(cacheDir, 'objects'))[0]!, f.key),
        ),
      ).length;
  try {
    const used: number[] = [];
    const step = async (h: string) => {
      assert.deepEqual(await remote.all(q(h)), [{ n: 160 }], h);
      used.push(await remote.cache.usedBytes());
      return remote.cacheStats();
    };
    assert.equal((await step('04')).downloads, 4);
    assert.equal((await step('05')).downloads, 8);
    assert.equal((await step('04')).hits, 4, 'hour 4 served from the cache');
    const s = await step('06');
    assert.equal(s.downloads, 12);
    assert.ok(s.evictions > 0, 'room was made');
    assert.equal(cached('04'), 4, 'hour 4, used more recently, was kept');
    assert.ok(cached('05') < 4, 'hour 5, least recently used, was evicted');
    assert.equal(cached('06'), 4);
    assert.equal((await step('04')).downloads, 12);
    for (const u of used) assert.ok(u <= bound, `${u} <= ${bound}`);
    // A query that needs more than the bound says so instead of thrashing.
    await assert.rejects(remote.all('select count(*) from offers'), (err: Error) => {
      assert.ok(err instanceof CacheTooSmallError);
      assert.match(err.message, /lake\.cacheMaxBytes/);
      return true;
    });
  } finally {
    await remote.close();
  }
});

test('two caches sharing a directory see each other’s files and keep the bound', async () => {
  const cacheDir = path.join(tmp, 'cache-c');
  const bound = Math.max(
    bytesOf((k) => k.includes('/hour=05/')),
    bytesOf((k) => k.includes('/hour=04/') || k.includes('/hour=06/')),
  );
  const a = await openRemoteLakeQuery({ store, cacheDir, cacheMaxBytes: bound });
  const b = await openRemoteLakeQuery({ store, cacheDir, cacheMaxBytes: bound });
  try {
    await a.all(ONE_HOUR);
    // b holds a running query on hour 5 while a fills the cache with hours 4 and 6.
    const held = await b.open(ONE_HOUR);
    assert.equal(b.cacheStats().downloads, 0, 'b found a’s files');
    await a.all(`select count(*) from offers where dt = '${DT}' and hour in (4, 6)`);
    assert.ok((await a.cache.usedBytes()) <= bound);
    assert.ok(a.cacheStats().evictions > 0, 'a evicted files b is reading');
    let n = 0;
    for await (const rows of held.batches()) n += rows.length;
    assert.equal(n, 160, 'an eviction by another cache does not break a running query');
  } finally {
    await a.close();
    await b.close();
  }
});
