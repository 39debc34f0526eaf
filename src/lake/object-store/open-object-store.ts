import type { Config } from '../../config/config.js';
import { lakeRoot } from '../lake-layout.js';
import { ObjectStoreUnavailableError } from './errors.js';
import { LocalObjectStore } from './local/local-object-store.js';
import type { ObjectStore } from './object-store.js';

/** An ObjectStore that may hold connections; `close` releases them (a no-op for local). */
export interface ClosableObjectStore extends ObjectStore {
  close(): Promise<void>;
}

/**
 * The lake's object store as configured by `lake.objectStore`: `local` is a
 * LocalObjectStore at `<dataDir>/lake`; `s3` is an S3ObjectStore on `lake.s3Bucket` under
 * `lake.s3Prefix`, with credentials from the AWS default chain. The S3 implementation
 * (and the AWS SDK) is loaded only when chosen. For S3 the bucket is checked once, so a
 * wrong bucket, endpoint or credentials fail here. Throws ObjectStoreUnavailableError.
 */
export async function openObjectStore(config: Config): Promise<ClosableObjectStore> {
  const lake = config.lake;
  switch (lake.objectStore) {
    case 'local': {
      const store = new LocalObjectStore(lakeRoot(config.dataDir));
      return Object.assign(store, { close: async () => undefined });
    }
    case 's3': {
      if (lake.s3Bucket === '')
        throw new ObjectStoreUnavailableError(
          'lake.s3Bucket must be set when lake.objectStore is "s3"',
        );
      const { S3ObjectStore } = await import('./s3/s3-object-store.js');
      const store = new S3ObjectStore({
        bucket: lake.s3Bucket,
        prefix: lake.s3Prefix,
        region: lake.s3Region,
        endpoint: lake.s3Endpoint,
        forcePathStyle: lake.s3ForcePathStyle,
      });
      try {
        await store.check();
      } catch (err) {
        await store.close();
        throw err;
      }
      return store;
    }
  }
}
