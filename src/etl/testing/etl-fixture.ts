/** Test helper: an ETL runner on a temp data dir, an in-memory PGlite row store and DuckDB. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { silentLogger } from '../../ops/logger.js';
import { PGliteClient } from '../../sql/pglite/pglite-client.js';
import { DuckDBEtlEngine } from '../duckdb/duckdb-etl-engine.js';
import { startEtlEngineThread } from '../duckdb/etl-engine-thread.js';
import type { EtlEngine } from '../etl-engine.js';
import { EtlStore } from '../etl-store.js';
import { JobRunner } from '../job-runner.js';

export interface EtlFixture {
  dataDir: string;
  lakeRoot: string;
  sql: PGliteClient;
  store: EtlStore;
  engine: EtlEngine;
  runner: JobRunner;
  /** Rows of a pond (or any Hive directory below the lake), partition columns as text. */
  readPond(pond: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** `engine`: DuckDB on this thread (default), or on a thread of its own as `up` runs it. */
export async function openEtlFixture(
  o: { engine?: 'inline' | 'thread' } = {},
): Promise<EtlFixture> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-etl-'));
  const lakeRoot = path.join(dataDir, 'lake');
  const sql = await PGliteClient.open();
  const store = new EtlStore(sql);
  await store.migrate();
  const engine: EtlEngine =
    o.engine === 'thread'
      ? await startEtlEngineThread({ threads: 2 })
      : await DuckDBEtlEngine.open({ threads: 2 });
  const runner = new JobRunner({ store, engine, lakeRoot, logger: silentLogger });
  const duck = await DuckDBInstance.create(':memory:');
  return {
    dataDir,
    lakeRoot,
    sql,
    store,
    engine,
    runner,
    async readPond(pond) {
      const dir = path.join(lakeRoot, 'ponds', pond);
      const c = await duck.connect();
      try {
        const r = await c.runAndReadAll(
          `SELECT * FROM read_parquet('${dir}/*/*.parquet', hive_partitioning = true, hive_types_autocast = false)`,
        );
        return r.getRowObjectsJson() as Record<string, unknown>[];
      } finally {
        c.closeSync();
      }
    },
    async close() {
      duck.closeSync();
      await engine.close();
      await sql.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
