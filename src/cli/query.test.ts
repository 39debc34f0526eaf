import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-cli-query-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function faresight(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, FARESIGHT_DATA_DIR: path.join(tmp, 'data') };
  for (const k of Object.keys(env))
    if (k.startsWith('FARESIGHT_') && k !== 'FARESIGHT_DATA_DIR') delete env[k];
  return spawnSync(process.execPath, ['bin/faresight.mjs', ...args], {
    encoding: 'utf8',
    env,
    cwd: path.resolve(import.meta.dirname, '..', '..'),
  });
}

test('faresight query counts an empty lake and prints each format', () => {
  const table = faresight('query', 'select count(*) as n from searches');
  assert.equal(table.status, 0, table.stderr);
  assert.equal(table.stdout, 'n\n-\n0\n(1 row)\n');
  const json = faresight(
    'query',
    "select 1 as a, 'x' as b union all select 2, null",
    '--format',
    'json',
  );
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), [
    { a: 1, b: 'x' },
    { a: 2, b: null },
  ]);
  const csv = faresight('query', "select 1 as a, 'x,y' as b", '--format', 'csv');
  assert.equal(csv.stdout, 'a,b\n1,"x,y"\n');
});

test('a SQL error is one line on stderr and exit code 1', () => {
  const r = faresight('query', 'select nope from searches');
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^faresight: .*nope.*\n$/);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  const bad = faresight('query', 'select 1', '--format', 'xml');
  assert.notEqual(bad.status, 0);
});

test('--output writes a file whole, in any format; parquet needs it', async () => {
  const out = path.join(tmp, 'out');
  fs.mkdirSync(out);
  const sql = "select i, 'v' || i as s, [i, i + 1] as l from range(2500) t(i)";
  const pq = faresight('query', `${sql};`, '--format', 'parquet', '--output', `${out}/r.parquet`);
  assert.equal(pq.status, 0, pq.stderr);
  assert.match(pq.stderr, /2500 rows written to .*r\.parquet/);
  // Read back by another reader (DuckDB on the file itself).
  const back = faresight(
    'query',
    `select count(*) n, sum(i) s, max(l[2]) m from '${out}/r.parquet'`,
    '--format',
    'json',
  );
  assert.equal(back.status, 0, back.stderr);
  assert.deepEqual(JSON.parse(back.stdout), [{ n: 2500, s: 3123750, m: 2500 }]);

  const csv = faresight('query', sql, '--format', 'csv', '--output', `${out}/r.csv`);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = fs.readFileSync(`${out}/r.csv`, 'utf8').trimEnd().split('\n');
  assert.deepEqual([lines.length, lines[0], lines[1]], [2501, 'i,s,l', '0,v0,"[0,1]"']);

  const none = faresight('query', 'select 1', '--format', 'parquet');
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /--output/);
  // A failing query leaves no file, not even a partial one.
  const bad = faresight(
    'query',
    'select nope',
    '--format',
    'parquet',
    '--output',
    `${out}/bad.parquet`,
  );
  assert.equal(bad.status, 1);
  // The error comes after the first rows were written: the partial file is removed.
  const badCsv = faresight(
    'query',
    "select case when i > 5000 then error('boom') else i end as i from range(9000) t(i)",
    '--format',
    'csv',
    '--output',
    `${out}/bad.csv`,
  );
  assert.equal(badCsv.status, 1);
  assert.match(badCsv.stderr, /boom/);
  assert.equal(fs.readdirSync(out).sort().join(','), 'r.csv,r.parquet', badCsv.stderr);
});
