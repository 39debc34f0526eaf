// Runs against s3rver started in-process, so it never skips.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { configSchema } from '../../config/config.js';
import { ObjectStoreUnavailableError } from '../../lake/object-store/errors.js';
import { LocalObjectStore } from '../../lake/object-store/local/local-object-store.js';
import { S3ObjectStore } from '../../lake/object-store/s3/s3-object-store.js';
import { type RunningS3rver, startS3rver } from '../../lake/object-store/testing/with-s3rver.js';
import { openObjectStore } from './object-store.js';

let s3: RunningS3rver;
let tmp: string;
before(async () => {
  s3 = await startS3rver('open-test');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-open-store-'));
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
});
after(async () => {
  await s3.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the default is the local lake under the data directory', async () => {
  const store = await openObjectStore(configSchema.parse({ dataDir: tmp }));
  assert.ok(store instanceof LocalObjectStore);
  assert.equal(store.location, path.join(tmp, 'lake'));
  await store.close();
});

test('objectStore s3 opens the bucket under the prefix, and checks it', async () => {
  const objectStore = {
    backend: 's3',
    bucket: 'open-test',
    endpoint: s3.options.endpoint,
    forcePathStyle: true,
  };
  const lake = { objectStore };
  const store = await openObjectStore(configSchema.parse({ dataDir: tmp, lake }));
  assert.ok(store instanceof S3ObjectStore);
  assert.equal(store.location, 's3://open-test/lake/');
  await store.put('t/a.bin', new Uint8Array([1]));
  assert.deepEqual(
    (await store.list('t/')).map(({ key, size }) => ({ key, size })),
    [{ key: 't/a.bin', size: 1 }],
  );
  await store.close();
  await assert.rejects(
    openObjectStore(
      configSchema.parse({ lake: { objectStore: { ...objectStore, bucket: 'missing-bucket' } } }),
    ),
    (err: Error) =>
      err instanceof ObjectStoreUnavailableError && /missing-bucket/.test(err.message),
  );
  assert.throws(() => configSchema.parse({ lake: { objectStore: { backend: 's3' } } }), /bucket/);
});
