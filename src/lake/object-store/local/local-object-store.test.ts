import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { InvalidObjectKeyError } from '../../errors.js';
import { LocalObjectStore } from './local-object-store.js';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-store-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('put, get, exists, list, delete', async () => {
  const store = new LocalObjectStore(path.join(tmp, 'a'));
  assert.equal(await store.get('x/y.bin'), undefined);
  assert.equal(await store.exists('x/y.bin'), false);
  await store.put('x/y.bin', new Uint8Array([1, 2, 3]));
  await store.put('x/z/w.bin', new Uint8Array([4]));
  await store.put('xx/v.bin', new Uint8Array([5, 6]));
  assert.deepEqual([...((await store.get('x/y.bin')) ?? [])], [1, 2, 3]);
  assert.equal(await store.exists('x/y.bin'), true);
  const keys = async (p: string) => (await store.list(p)).map((o) => o.key).sort();
  assert.deepEqual(await keys('x/'), ['x/y.bin', 'x/z/w.bin']);
  assert.deepEqual(await keys('x'), ['x/y.bin', 'x/z/w.bin', 'xx/v.bin']);
  assert.deepEqual(await keys(''), ['x/y.bin', 'x/z/w.bin', 'xx/v.bin']);
  assert.deepEqual(await keys('nothing/'), []);
  assert.equal((await store.list('xx/'))[0]!.size, 2);
  await store.delete('x/y.bin');
  await store.delete('x/y.bin');
  assert.equal(await store.exists('x/y.bin'), false);
});

test('putFile moves the local file into place and replaces an existing object', async () => {
  const store = new LocalObjectStore(path.join(tmp, 'b'));
  const local = path.join(tmp, 'local.parquet');
  fs.writeFileSync(local, 'first');
  await store.putFile('t/vendor=v/f.parquet', local);
  assert.equal(fs.existsSync(local), false);
  fs.writeFileSync(local, 'second');
  await store.putFile('t/vendor=v/f.parquet', local);
  assert.equal(Buffer.from((await store.get('t/vendor=v/f.parquet'))!).toString(), 'second');
  // No temporary files are left behind or listed.
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

test('a malformed key is refused', async () => {
  const store = new LocalObjectStore(path.join(tmp, 'd'));
  for (const key of ['', '/abs', 'a//b', '../escape', 'a/./b', 'a/../../b']) {
    await assert.rejects(store.put(key, new Uint8Array()), InvalidObjectKeyError, key);
  }
});
