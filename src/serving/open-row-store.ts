import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import type { Logger } from '../ops/logger.js';
import type { SqlClient } from '../sql/sql-client.js';
import { RowStore } from './row-store.js';

/** Directory of the embedded (PGlite) row store: `<dataDir>/rowstore`. */
export function rowStoreDir(config: Config): string {
  return resolve(config.dataDir, 'rowstore');
}

/**
 * Opens the configured row store and brings its schema up to date. The driver of the
 * backend not chosen is never loaded. With PGlite only one process may open the data
 * directory (RowStoreLockedError otherwise); with PostgreSQL any number may.
 */
export async function openRowStore(config: Config, logger: Logger): Promise<RowStore> {
  let client: SqlClient;
  switch (config.rowStore.backend) {
    case 'pglite': {
      const { PGliteClient } = await import('../sql/pglite/pglite-client.js');
      client = await PGliteClient.open({ dir: rowStoreDir(config) });
      break;
    }
    case 'postgres': {
      const { PostgresClient } = await import('../sql/postgres/postgres-client.js');
      client = new PostgresClient({ connectionString: config.rowStore.postgresUrl });
      break;
    }
  }
  const store = new RowStore(client);
  try {
    const applied = await store.migrate();
    logger.info('row store open', {
      backend: config.rowStore.backend,
      ...(config.rowStore.backend === 'pglite' ? { dir: rowStoreDir(config) } : {}),
      ...(applied.length ? { migrated: applied.join(',') } : {}),
    });
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
  return store;
}
