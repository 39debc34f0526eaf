import type { Config } from '../../config/config.js';
import { lakeRoot } from '../../lake/lake-layout.js';
import { localObjectStoreBackend } from '../../lake/object-store/local/local-backend.js';
import type { ClosableObjectStore } from '../../lake/object-store/object-store.js';
import { s3ObjectStoreBackend } from '../../lake/object-store/s3/s3-backend.js';

/**
 * The lake's object store as configured by `lake.objectStore`: `local` is a directory at
 * `<dataDir>/lake`; `s3` is the bucket `lake.objectStore.bucket` under its prefix, checked
 * once so that a wrong bucket, endpoint or credentials fail here
 * (ObjectStoreUnavailableError). The AWS SDK is loaded only for s3.
 */
export function openObjectStore(
  config: Pick<Config, 'dataDir' | 'lake'>,
): Promise<ClosableObjectStore> {
  const os = config.lake.objectStore;
  switch (os.backend) {
    case 'local':
      return localObjectStoreBackend.create({}, { root: lakeRoot(config.dataDir) });
    case 's3':
      return s3ObjectStoreBackend.create(os);
  }
}
