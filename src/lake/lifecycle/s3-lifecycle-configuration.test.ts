import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifecycleConfigError } from './errors.js';
import { s3LifecycleConfiguration } from './s3-lifecycle-configuration.js';

test('one rule on the lake prefix: Intelligent-Tiering, Deep Archive, expiry, abort uploads', () => {
  assert.deepEqual(
    s3LifecycleConfiguration('my-lake', 'lake', { archiveAfterDays: 30, deleteAfterDays: 400 }),
    {
      Bucket: 'my-lake',
      LifecycleConfiguration: {
        Rules: [
          {
            ID: 'faresight-lake-tiers',
            Status: 'Enabled',
            Filter: { Prefix: 'lake/' },
            Transitions: [
              { Days: 0, StorageClass: 'INTELLIGENT_TIERING' },
              { Days: 30, StorageClass: 'DEEP_ARCHIVE' },
            ],
            Expiration: { Days: 400 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      },
    },
  );
});

test('tiers that are off leave their action out', () => {
  const rule = s3LifecycleConfiguration('b-1', '', { archiveAfterDays: 0, deleteAfterDays: 0 })
    .LifecycleConfiguration.Rules[0]!;
  assert.deepEqual(rule.Filter, { Prefix: '' });
  assert.deepEqual(rule.Transitions, [{ Days: 0, StorageClass: 'INTELLIGENT_TIERING' }]);
  assert.equal(rule.Expiration, undefined);
  const del = s3LifecycleConfiguration('b-1', 'a/b/', { archiveAfterDays: 0, deleteAfterDays: 9 })
    .LifecycleConfiguration.Rules[0]!;
  assert.deepEqual([del.Filter.Prefix, del.Expiration], ['a/b/', { Days: 9 }]);
  assert.throws(
    () => s3LifecycleConfiguration('b-1', 'lake', { archiveAfterDays: 30, deleteAfterDays: 20 }),
    LifecycleConfigError,
  );
});
