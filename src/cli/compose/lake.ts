import { join } from 'node:path';
import type { Config } from '../../config/config.js';
import type { LakeQuery, LakeQueryOptions } from '../../query/lake-query.js';
import { openObjectStore } from './object-store.js';

/**
 * SQL over the local lake under `dataDir` with the default engine (in-memory DuckDB,
 * reading the Parquet files read-only, so it runs beside a live lake writer); with
 * `includeArchive`, the archive tier too.
 */
export async function openLocalLake(options: LakeQueryOptions): Promise<LakeQuery> {
  const { DuckDBLakeQuery } = await import('../../query/duckdb/duckdb-lake-query.js');
  return DuckDBLakeQuery.open(options);
}

/**
 * SQL over the lake: DuckDB over the local files (with `includeArchive`, the archive tier
 * too), or, for an S3 lake, over the files a query needs fetched into the bounded local
 * cache. Closing it closes the store too.
 */
export async function openLake(
  config: Pick<Config, 'dataDir' | 'lake'>,
  options: { includeArchive?: boolean } = {},
): Promise<LakeQuery> {
  if (config.lake.objectStore.backend !== 's3')
    return openLocalLake({ dataDir: config.dataDir, includeArchive: options.includeArchive });
  if (options.includeArchive)
    throw new Error(
      'an S3 lake has no archive tier of its own: its old objects change storage class in place ' +
        '(Glacier Deep Archive objects must be restored before any engine can read them); ' +
        '--include-archive applies to a local lake',
    );
  const { openRemoteLakeQuery } = await import('../../query/remote/remote-lake-query.js');
  const store = await openObjectStore(config);
  const lake = await openRemoteLakeQuery({
    store,
    cacheDir: config.lake.cacheDir || join(config.dataDir, 'cache', 'lake'),
    cacheMaxBytes: config.lake.cacheMaxBytes,
  });
  const close = lake.close.bind(lake);
  lake.close = async () => {
    try {
      await close();
    } finally {
      await store.close();
    }
  };
  return lake;
}
