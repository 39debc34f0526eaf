// Runs against s3rver started in-process, so it never skips.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Command } from 'commander';
import { type RunningS3rver, startS3rver } from '../lake/object-store/testing/with-s3rver.js';
import { registerLifecycle } from './lake-lifecycle.js';

let s3: RunningS3rver;
before(async () => {
  s3 = await startS3rver('lifecycle-test');
  for (const k of Object.keys(process.env)) if (k.startsWith('FARESIGHT_')) delete process.env[k];
  Object.assign(process.env, {
    FARESIGHT_LAKE_OBJECT_STORE: 's3',
    FARESIGHT_LAKE_S3_BUCKET: 'lifecycle-test',
    FARESIGHT_LAKE_S3_ENDPOINT: s3.options.endpoint,
    FARESIGHT_LAKE_S3_FORCE_PATH_STYLE: 'true',
    FARESIGHT_LAKE_ARCHIVE_AFTER_DAYS: '30',
    FARESIGHT_LAKE_DELETE_AFTER_DAYS: '400',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
});
after(() => s3.close());

async function lifecycle(...args: string[]): Promise<string> {
  let out = '';
  const program = new Command().exitOverride().option('--config <file>');
  registerLifecycle(program.command('lake'), (s) => {
    out += s;
  });
  await program.parseAsync(['node', 'faresight', 'lake', 'lifecycle', ...args]);
  return out;
}

test('for an S3 lake the dry run prints the bucket lifecycle configuration', async () => {
  const input = JSON.parse(await lifecycle());
  assert.equal(input.Bucket, 'lifecycle-test');
  const [rule] = input.LifecycleConfiguration.Rules;
  assert.deepEqual(rule.Filter, { Prefix: 'lake/' });
  assert.deepEqual(rule.Transitions, [
    { Days: 0, StorageClass: 'INTELLIGENT_TIERING' },
    { Days: 30, StorageClass: 'DEEP_ARCHIVE' },
  ]);
  assert.deepEqual(rule.Expiration, { Days: 400 });
});

test('--apply sends it; s3rver has no lifecycle API, so the error names the bucket and the reason', async () => {
  // s3rver answers NotImplemented to Get/PutBucketLifecycleConfiguration: the request
  // reached the server, and a failure is one clear line.
  await assert.rejects(lifecycle('--apply'), (err: Error) => {
    assert.equal(err.name, 'LifecycleConfigError');
    assert.match(err.message, /bucket "lifecycle-test": NotImplemented/);
    assert.equal(err.message.includes('\n'), false);
    return true;
  });
});
