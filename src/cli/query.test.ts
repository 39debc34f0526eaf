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
