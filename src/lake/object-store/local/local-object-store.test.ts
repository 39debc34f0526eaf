import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { runObjectStoreSuite } from '../testing/object-store-suite.js';
import { LocalObjectStore } from './local-object-store.js';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-store-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
runObjectStoreSuite({
  name: 'local',
  create: async () => new LocalObjectStore(path.join(tmp, `suite-${n++}`)),
});

test('putFile leaves no temporary file behind', async () => {
  const store = new LocalObjectStore(path.join(tmp, 'b'));
  const local = path.join(tmp, 'local.parquet');
  fs.writeFileSync(local, 'first');
  await store.putFile('t/vendor=v/f.parquet', local);
  fs.writeFileSync(local, 'second');
  await store.putFile('t/vendor=v/f.parquet', local);
  assert.deepEqual(fs.readdirSync(path.join(tmp, 'b', 't', 'vendor=v')), ['f.parquet']);
});

test('in-flight temporary files are not listed', async () => {
  const store = new LocalObjectStore(path.join(tmp, 'c'));
  await store.put('t/a.parquet', new Uint8Array([1]));
  fs.writeFileSync(path.join(tmp, 'c', 't', 'b.parquet.tmp-1-abcd'), 'partial');
  assert.deepEqual(
    (await store.list('t/')).map((o) => o.key),
    ['t/a.parquet'],
  );
});
