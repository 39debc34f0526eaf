/**
 * Test fixture: reads a local lake back with SQL, the way any engine over the lake reads
 * it (the visible files of each table, compaction manifests honoured, through the same
 * `read_parquet` views and JSON values as the query engine), without the query engine,
 * so the lake's tests do not import `query/` (which imports the lake).
 */
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { visibleFiles } from '../compaction/visible-files.js';
import { jsonValueConverter } from '../duckdb/json-values.js';
import { lakeTableSelect } from '../duckdb/lake-table-sql.js';
import { lakeRoot } from '../lake-layout.js';
import { LocalObjectStore } from '../object-store/local/local-object-store.js';
import { LAKE_TABLES } from '../tables.js';

/** One row as plain JSON values (BIGINT as a number when safe, TIMESTAMP as ISO 8601). */
export type LakeRow = Record<string, unknown>;

export interface LakeReader {
  /** Every row of `sql` over the tables as they are now (views re-listed at each call). */
  all(sql: string): Promise<LakeRow[]>;
  close(): Promise<void>;
}

/** A reader of the lake under `<dataDir>/lake`, on an in-memory DuckDB. */
export async function openLakeReader(dataDir: string): Promise<LakeReader> {
  const root = path.resolve(lakeRoot(dataDir));
  const store = new LocalObjectStore(root);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  return {
    async all(sql) {
      for (const table of LAKE_TABLES) {
        const files = (await visibleFiles(store, table)).map((o) =>
          path.join(root, ...o.key.split('/')),
        );
        await conn.run(`CREATE OR REPLACE VIEW ${table} AS ${lakeTableSelect(table, files)}`);
      }
      const reader = await conn.runAndReadAll(sql);
      return reader.convertRowObjects(jsonValueConverter);
    },
    async close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
