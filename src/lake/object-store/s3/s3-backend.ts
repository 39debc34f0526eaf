import { z } from 'zod';
import type { ClosableObjectStore } from '../object-store.js';

const configSchema = z.strictObject({
  bucket: z.string().min(1).describe('the bucket holding the lake (required)'),
  prefix: z
    .string()
    .regex(
      /^([A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*)?$/,
      'must be a/b/c without slashes at the ends',
    )
    .default('lake')
    .describe('key prefix of the lake in the bucket'),
  region: z.string().min(1).default('us-east-1').describe('AWS region of the bucket'),
  endpoint: z
    .string()
    .default('')
    .describe("endpoint of an S3-compatible server (MinIO, s3rver); '' = AWS"),
  forcePathStyle: z
    .boolean()
    .default(false)
    .describe('path-style URLs, needed by most S3-compatible servers'),
});

/**
 * `lake.objectStore.backend: s3`: the lake in `s3://<bucket>/<prefix>/`, credentials from
 * the AWS default chain (env, profile, role). The bucket is checked once, so a wrong
 * bucket, endpoint or credentials fail here (ObjectStoreUnavailableError). The AWS SDK is
 * loaded only here.
 */
export const s3ObjectStoreBackend = {
  name: 's3',
  configSchema,
  async create(settings: z.infer<typeof configSchema>): Promise<ClosableObjectStore> {
    const { S3ObjectStore } = await import('./s3-object-store.js');
    const store = new S3ObjectStore(settings);
    try {
      await store.check();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  },
} as const;
