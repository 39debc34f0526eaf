import { lakeRoot } from '../lake-layout.js';
import { type LakeWriter, type LakeWriterOptions, startLakeWriter } from '../lake-writer.js';
import { LocalObjectStore } from '../object-store/local/local-object-store.js';

/**
 * startLakeWriter for tests and benches: the store defaults to the local lake under the
 * config's data directory (the product always passes the configured one).
 */
export function startLocalLakeWriter(
  options: Omit<LakeWriterOptions, 'store'> & { store?: LakeWriterOptions['store'] },
): Promise<LakeWriter> {
  return startLakeWriter({
    ...options,
    store: options.store ?? new LocalObjectStore(lakeRoot(options.config.dataDir)),
  });
}
