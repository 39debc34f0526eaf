/**
 * The behaviour every ObjectStore must have, as one node:test suite run against each
 * implementation (local directory, S3), so they cannot drift apart.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InvalidObjectKeyError } from '../../errors.js';
import type { ObjectStore } from '../object-store.js';

/** How the suite gets a store. */
export interface ObjectStoreSuiteOptions {
  /** Name of the implementation, for the test titles. */
  name: string;
  /** A new, empty store; called once per test. */
  create(): Promise<ObjectStore>;
}

/** Registers the shared ObjectStore tests under `describe(name)`. */
export function runObjectStoreSuite(options: ObjectStoreSuiteOptions): void {
  describe(`ObjectStore contract: ${options.name}`, () => {
    let tmp: string;
    before(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-store-suite-'));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    test('put, get, exists, list, delete', async () => {
      const store = await options.create();
      assert.equal(await store.get('x/y.bin'), undefined);
      assert.equal(await store.exists('x/y.bin'), false);
      await store.put('x/y.bin', new Uint8Array([1, 2, 3]));
      await store.put('x/z/w.bin', new Uint8Array([4]));
      await store.put('xx/v.bin', new Uint8Array([5, 6]));
      assert.deepEqual([...((await store.get('x/y.bin')) ?? [])], [1, 2, 3]);
      assert.equal(await store.exists('x/y.bin'), true);
      assert.equal(await store.exists('x/z'), false, 'a "directory" is not an object');
      const keys = async (p: string) => (await store.list(p)).map((o) => o.key).sort();
      assert.deepEqual(await keys('x/'), ['x/y.bin', 'x/z/w.bin']);
      assert.deepEqual(await keys('x'), ['x/y.bin', 'x/z/w.bin', 'xx/v.bin']);
      assert.deepEqual(await keys(''), ['x/y.bin', 'x/z/w.bin', 'xx/v.bin']);
      assert.deepEqual(await keys('x/z/'), ['x/z/w.bin']);
      assert.deepEqual(await keys('nothing/'), []);
      assert.equal((await store.list('xx/'))[0]!.size, 2);
      await store.delete('x/y.bin');
      await store.delete('x/y.bin');
      assert.equal(await store.exists('x/y.bin'), false);
      assert.equal(await store.get('x/y.bin'), undefined);
      assert.deepEqual(await keys('x/'), ['x/z/w.bin']);
    });

    test('putFile moves the local file into place and replaces an existing object', async () => {
      const store = await options.create();
      const local = path.join(tmp, `local-${Math.random().toString(36).slice(2)}.parquet`);
      fs.writeFileSync(local, 'first');
      await store.putFile('t/vendor=v/f.parquet', local);
      assert.equal(fs.existsSync(local), false, 'the store takes ownership of the file');
      fs.writeFileSync(local, 'second');
      await store.putFile('t/vendor=v/f.parquet', local);
      assert.equal(Buffer.from((await store.get('t/vendor=v/f.parquet'))!).toString(), 'second');
      const listed = await store.list('t/');
      assert.deepEqual(
        listed.map(({ key, size }) => ({ key, size })),
        [{ key: 't/vendor=v/f.parquet', size: 6 }],
      );
    });

    test('list says when each object was last written', async () => {
      const store = await options.create();
      // S3 keeps LastModified to the second
      const before = Math.floor(Date.now() / 1000) * 1000;
      await store.put('m/a.bin', new Uint8Array([1]));
      const [a] = await store.list('m/');
      assert.ok(a?.modifiedMs !== undefined, 'the store gives a time');
      assert.ok(
        a.modifiedMs >= before - 1000,
        `${a.modifiedMs} is not before the write (${before})`,
      );
      assert.ok(a.modifiedMs <= Date.now() + 1000, `${a.modifiedMs} is in the future`);
    });

    test('put replaces an object, an empty object round-trips', async () => {
      const store = await options.create();
      await store.put('a/b.bin', new Uint8Array([1, 2, 3, 4]));
      await store.put('a/b.bin', new Uint8Array([9]));
      assert.deepEqual([...((await store.get('a/b.bin')) ?? [])], [9]);
      await store.put('a/empty.bin', new Uint8Array());
      assert.equal((await store.get('a/empty.bin'))?.length, 0);
      assert.equal(await store.exists('a/empty.bin'), true);
    });

    test('a malformed key is refused', async () => {
      const store = await options.create();
      for (const key of ['', '/abs', 'a//b', '../escape', 'a/./b', 'a/../../b']) {
        await assert.rejects(store.put(key, new Uint8Array()), InvalidObjectKeyError, key);
      }
    });
  });
}
