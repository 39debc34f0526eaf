/**
 * The S3 bucket lifecycle configuration for the lake's tiers, as the
 * PutBucketLifecycleConfiguration input (plain JSON: print it, apply it with the AWS CLI
 * `aws s3api put-bucket-lifecycle-configuration --cli-input-json`, or with
 * `faresight lake lifecycle --apply`). One rule, scoped to the lake prefix:
 *
 * - Intelligent-Tiering from day 0: lake files are written once and read rarely, and S3
 *   moves them between its access tiers by use (objects under 128 KB stay frequent).
 * - Glacier Deep Archive after `archiveAfterDays` (when set): queries skip such objects,
 *   as they skip the local archive.
 * - Expiration after `deleteAfterDays` (when set).
 * - Incomplete multipart uploads (a writer killed mid-upload) are aborted after 7 days.
 *
 * S3 ages an object from its creation, so a partition compacted later ages from the
 * compaction; ponds under `<prefix>/ponds/` follow the same rule.
 */
import { checkPolicy, type LifecyclePolicy } from './lifecycle-policy.js';

/** ID of the rule this module writes; `--apply` replaces only the rule with this ID. */
export const LAKE_LIFECYCLE_RULE_ID = 'faresight-lake-tiers';
/** Days after which an unfinished multipart upload is aborted. */
export const ABORT_MULTIPART_AFTER_DAYS = 7;

/** One rule, in the shape of the S3 API's LifecycleRule. */
export interface S3LifecycleRule {
  ID: string;
  Status: 'Enabled';
  Filter: { Prefix: string };
  Transitions?: { Days: number; StorageClass: 'INTELLIGENT_TIERING' | 'DEEP_ARCHIVE' }[];
  Expiration?: { Days: number };
  AbortIncompleteMultipartUpload: { DaysAfterInitiation: number };
}

/** The PutBucketLifecycleConfiguration input. */
export interface S3LifecycleConfiguration {
  Bucket: string;
  LifecycleConfiguration: { Rules: S3LifecycleRule[] };
}

/** The configuration for `bucket` with the lake under `prefix` ('' = bucket root). Throws LifecycleConfigError. */
export function s3LifecycleConfiguration(
  bucket: string,
  prefix: string,
  policy: LifecyclePolicy,
): S3LifecycleConfiguration {
  const { archiveAfterDays, deleteAfterDays } = checkPolicy(policy);
  const p = prefix.replace(/^\/+|\/+$/g, '');
  const rule: S3LifecycleRule = {
    ID: LAKE_LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    Filter: { Prefix: p === '' ? '' : `${p}/` },
    Transitions: [
      { Days: 0, StorageClass: 'INTELLIGENT_TIERING' },
      ...(archiveAfterDays > 0
        ? [{ Days: archiveAfterDays, StorageClass: 'DEEP_ARCHIVE' as const }]
        : []),
    ],
    ...(deleteAfterDays > 0 ? { Expiration: { Days: deleteAfterDays } } : {}),
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_MULTIPART_AFTER_DAYS },
  };
  return { Bucket: bucket, LifecycleConfiguration: { Rules: [rule] } };
}
