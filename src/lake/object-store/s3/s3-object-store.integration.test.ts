// Runs against s3rver started in-process, so it never skips.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { ObjectStoreUnavailableError } from '../errors.js';
import { runObjectStoreSuite } from '../testing/object-store-suite.js';
import { type RunningS3rver, startS3rver } from '../testing/with-s3rver.js';
import { createS3Client, S3ObjectStore } from './s3-object-store.js';

let s3: RunningS3rver;
let tmp: string;
before(async () => {
  s3 = await startS3rver();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-s3-store-'));
});
after(async () => {
  await s3.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** What `list` gives, without the times. */
async function keysAndSizes(store: S3ObjectStore, prefix: string) {
  return (await store.list(prefix)).map(({ key, size }) => ({ key, size }));
}

let n = 0;
runObjectStoreSuite({
  name: 's3',
  create: async () => new S3ObjectStore({ ...s3.options, prefix: `suite-${n++}/lake` }),
});

test('a 20 MB file goes up in parts and is visible only once the upload completes', async () => {
  const client = createS3Client(s3.options);
  const commands: string[] = [];
  const store = new S3ObjectStore({ ...s3.options, prefix: 'big', client });
  const observer = new S3ObjectStore({ ...s3.options, prefix: 'big' });
  const visibleBeforeComplete: boolean[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? '?').replace(/Command$/, '');
      commands.push(name);
      if (name === 'CompleteMultipartUpload')
        visibleBeforeComplete.push(await observer.exists('t/big.parquet'));
      return next(args);
    },
    { step: 'initialize' },
  );
  const local = path.join(tmp, 'big.parquet');
  const body = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < body.length; i += 4096) body.writeUInt32LE(i, i);
  fs.writeFileSync(local, body);
  await store.putFile('t/big.parquet', local);

  assert.equal(fs.existsSync(local), false);
  const count = (name: string) => commands.filter((c) => c === name).length;
  assert.equal(count('CreateMultipartUpload'), 1);
  assert.equal(count('UploadPart'), 3, '20 MiB in 8 MiB parts');
  assert.equal(count('CompleteMultipartUpload'), 1);
  assert.equal(count('PutObject'), 0);
  assert.deepEqual(visibleBeforeComplete, [false]);
  assert.deepEqual(await keysAndSizes(store, 't/'), [{ key: 't/big.parquet', size: body.length }]);

  const back = path.join(tmp, 'big-back.parquet');
  assert.equal(await store.getFile('t/big.parquet', back), true);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  assert.equal(sha(fs.readFileSync(back)), sha(body));
  assert.equal(await store.getFile('t/missing.parquet', path.join(tmp, 'none')), false);
  assert.equal(fs.existsSync(path.join(tmp, 'none')), false);
  await store.close();
  await observer.close();
  client.destroy();
});

test('a small file is one PutObject; list stays inside the prefix', async () => {
  const a = new S3ObjectStore({ ...s3.options, prefix: 'iso/a' });
  const b = new S3ObjectStore({ ...s3.options, prefix: 'iso/ab' });
  await a.put('k/1.bin', new Uint8Array([1]));
  await b.put('k/2.bin', new Uint8Array([2]));
  assert.deepEqual(await keysAndSizes(a, ''), [{ key: 'k/1.bin', size: 1 }]);
  assert.deepEqual(await keysAndSizes(b, 'k/'), [{ key: 'k/2.bin', size: 1 }]);
  assert.equal(await a.exists('k/2.bin'), false);
  assert.equal(a.location, `s3://${s3.options.bucket}/iso/a/`);
  await a.close();
  await b.close();
});

test('list pages through every key', async () => {
  const client = createS3Client(s3.options);
  let lists = 0;
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'ListObjectsCommand') lists++;
      return next(args);
    },
    { step: 'initialize' },
  );
  const store = new S3ObjectStore({ ...s3.options, prefix: 'many', listPageSize: 7, client });
  const keys = Array.from({ length: 50 }, (_, i) => `t/${String(i).padStart(4, '0')}.bin`);
  await Promise.all(keys.map((k) => store.put(k, new Uint8Array([1]))));
  await store.put('u/outside.bin', new Uint8Array([1]));
  const listed = (await store.list('t/')).map((o) => o.key).sort();
  assert.deepEqual(listed, keys);
  assert.equal(lists, 8, '50 keys in pages of 7');
  client.destroy();
});

test('a missing bucket is a clear error', async () => {
  const store = new S3ObjectStore({ ...s3.options, bucket: 'no-such-bucket' });
  await assert.rejects(store.check(), (err: Error) => {
    assert.ok(err instanceof ObjectStoreUnavailableError);
    assert.match(err.message, /no-such-bucket/);
    return true;
  });
  await new S3ObjectStore(s3.options).check();
  assert.throws(() => new S3ObjectStore({ bucket: 'A' }), /invalid S3 bucket name "A"/);
  await store.close();
});

test('applying lifecycle rules keeps the bucket’s other rules and replaces ours', async () => {
  // s3rver has no lifecycle API: a stand-in client records what would be sent.
  const sent: { name: string; input: unknown }[] = [];
  const client = {
    send: async (cmd: { constructor: { name: string }; input: unknown }) => {
      sent.push({ name: cmd.constructor.name, input: cmd.input });
      if (cmd.constructor.name === 'GetBucketLifecycleConfigurationCommand')
        return {
          Rules: [
            { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 7 } },
            { ID: 'ours', Status: 'Enabled', Filter: { Prefix: 'old/' } },
          ],
        };
      return {};
    },
  } as unknown as S3Client;
  const store = new S3ObjectStore({ bucket: 'my-bucket', client });
  const ours = { ID: 'ours', Status: 'Enabled' as const, Filter: { Prefix: 'lake/' } };
  const input = await store.applyLifecycleRules([ours]);
  assert.deepEqual(
    input.LifecycleConfiguration?.Rules?.map((r) => r.ID),
    ['logs', 'ours'],
  );
  assert.deepEqual(input.LifecycleConfiguration?.Rules?.[1], ours);
  assert.deepEqual(
    sent.map((s) => s.name),
    ['GetBucketLifecycleConfigurationCommand', 'PutBucketLifecycleConfigurationCommand'],
  );
  assert.equal(sent[1]!.input, input);
});
