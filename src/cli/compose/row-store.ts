/**
 * The composition root of SQL access: the `rowStore` config section picks the database
 * that holds the serving row store, the ETL and tenancy tables, analytics state and the
 * Kinesis checkpoints.
 */
import { resolve } from 'node:path';
import type { Config, RowStoreConfig } from '../../config/config.js';
import type { Logger } from '../../ops/logger.js';
import { RowStore } from '../../serving/row-store.js';
import { pgliteBackend } from '../../sql/pglite/pglite-backend.js';
import { postgresBackend } from '../../sql/postgres/postgres-backend.js';
import type { SqlClient } from '../../sql/sql-client.js';

/** Directory of the embedded (PGlite) row store: `<dataDir>/rowstore`. */
export function rowStoreDir(config: Pick<Config, 'dataDir'>): string {
  return resolve(config.dataDir, 'rowstore');
}

/**
 * A SqlClient on the configured database: PostgreSQL at `rowStore.url`, or a PGlite in
 * `pgliteDir`. The driver of the backend not chosen is never loaded.
 */
export function openSqlClient(rowStore: RowStoreConfig, pgliteDir: string): Promise<SqlClient> {
  switch (rowStore.backend) {
    case 'pglite':
      return pgliteBackend.create(rowStore, { dir: pgliteDir });
    case 'postgres':
      return postgresBackend.create(rowStore);
  }
}

/**
 * Opens the configured row store and brings its schema up to date. With PGlite only one
 * process may open the data directory (RowStoreLockedError otherwise); with PostgreSQL
 * any number may.
 */
export async function openRowStore(
  config: Pick<Config, 'dataDir' | 'rowStore'>,
  logger: Logger,
): Promise<RowStore> {
  // A new embedded store is unpacked from the build's template; without one, initdb
  // makes it, which a user should hear of (about 900 MB for its first seconds).
  const origin =
    config.rowStore.backend === 'pglite'
      ? (await import('../../sql/pglite/pglite-template.js')).newStoreOrigin(rowStoreDir(config))
      : undefined;
  const client = await openSqlClient(config.rowStore, rowStoreDir(config));
  const store = new RowStore(client);
  try {
    const applied = await store.migrate();
    logger.info('row store open', {
      backend: config.rowStore.backend,
      ...(config.rowStore.backend === 'pglite' ? { dir: rowStoreDir(config) } : {}),
      ...(origin
        ? { created: origin.made === 'template' ? 'from the template' : 'by initdb' }
        : {}),
      ...(applied.length ? { migrated: applied.join(',') } : {}),
    });
    if (origin?.made === 'initdb')
      logger.warn(
        `initdb made the new row store, which takes the process to about 900 MB for its first seconds: ${origin.why}`,
      );
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
  return store;
}
