/**
 * Test fixture: `s3rver` (an S3 stand-in, dev dependency) in-process on a free port of
 * 127.0.0.1, keeping its objects in a temporary directory, with one bucket created.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import S3rver from 's3rver';
import type { S3ObjectStoreOptions } from '../s3/s3-object-store.js';

/** A running s3rver and the store options that reach its bucket. */
export interface RunningS3rver {
  /** Bucket, endpoint, path style and credentials; add `prefix` as needed. */
  readonly options: S3ObjectStoreOptions & { endpoint: string };
  close(): Promise<void>;
}

/** Starts s3rver with `bucket` [faresight-test]; `close` stops it and removes its files. */
export async function startS3rver(bucket = 'faresight-test'): Promise<RunningS3rver> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    options: {
      bucket,
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    close: async () => {
      server.httpServer?.closeAllConnections();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
