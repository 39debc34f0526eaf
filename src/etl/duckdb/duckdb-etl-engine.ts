import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { needsVarcharForHive } from '../../lake/catalog/hive-type.js';
import {
  emptyLakeTable,
  groupBySchema,
  readLakeFileGroups,
  sqlString,
} from '../../lake/duckdb/lake-table-sql.js';
import type { BuildResult, EtlEngine, InputFiles, OutputColumn } from '../etl-engine.js';
import { type JobDefinition, partitionKeyExpr } from '../job.js';

const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/**
 * The job's SQL with every column that Hive cannot read as DuckDB writes it (TIME,
 * INTERVAL, UUID, UNION: hive-type.ts) cast to VARCHAR, so `etl ddl` can describe every
 * pond and Athena can read its files.
 */
async function hiveReadableSql(conn: DuckDBConnection, sql: string): Promise<string> {
  const r = await conn.runAndReadAll(`DESCRIBE (${sql})`);
  const casts = r
    .getRowObjects()
    .filter((o) => needsVarcharForHive(String(o.column_type)))
    .map(
      (o) => `CAST(${ident(String(o.column_name))} AS VARCHAR) AS ${ident(String(o.column_name))}`,
    );
  return casts.length === 0 ? sql : `SELECT * REPLACE (${casts.join(', ')}) FROM (${sql}) AS raw`;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.name.endsWith('.parquet')) out.push(p);
  }
  return out;
}

/**
 * EtlEngine on in-memory DuckDB. Each call opens a DuckDB instance of its own, closed when
 * the call ends, with temporary views named after the input tables: over `read_parquet`
 * of the given files (Hive partition columns typed as in the lake), filtered to rows
 * received within `[key - 1 day, key + lateDays]` of their incremental key, or typed and
 * empty when there are no files. An instance keeps much of what a scan of many files took
 * until it closes: the four pond jobs over a copy of the demo's 10,772 history files left
 * the process at 1.4 GB RSS on one long-lived instance, 0.28 GB with an instance per call
 * (docs/benchmarks.md), and the ETL runs every few minutes beside the API. The files are
 * read grouped by schema (readLakeFileGroups), not with `union_by_name`, which holds every
 * file it opened to bind the query until the query ends.
 */
export class DuckDBEtlEngine implements EtlEngine {
  private constructor(private readonly threads: number) {}

  /** Opens the engine; `threads` (of each call's instance) default 2. */
  static async open(opts: { threads?: number } = {}): Promise<DuckDBEtlEngine> {
    return new DuckDBEtlEngine(opts.threads ?? 2);
  }

  private async withInputs<R>(
    job: JobDefinition,
    files: InputFiles,
    fn: (c: DuckDBConnection) => Promise<R>,
  ): Promise<R> {
    const instance = await DuckDBInstance.create(':memory:', { threads: String(this.threads) });
    const conn = await instance.connect();
    try {
      for (const table of job.inputs) {
        const list = files[table] ?? [];
        if (list.length > 0) {
          const key = `CAST(${job.incrementalKey} AS DATE)`;
          await conn.run(
            `CREATE OR REPLACE TEMP VIEW ${table} AS ` +
              `SELECT * FROM ${readLakeFileGroups(await groupBySchema(conn, list))} ` +
              `WHERE dt BETWEEN ${key} - 1 AND ${key} + ${job.lateDays}`,
          );
        } else {
          await conn.run(`CREATE OR REPLACE TEMP VIEW ${table} AS ${emptyLakeTable(table)}`);
        }
      }
      return await fn(conn);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  }

  async affectedKeys(job: JobDefinition, files: InputFiles): Promise<string[]> {
    return this.withInputs(job, files, async (conn) => {
      const parts = job.inputs.map(
        (t) => `SELECT DISTINCT CAST(${partitionKeyExpr(job)} AS VARCHAR) AS k FROM ${t}`,
      );
      const r = await conn.runAndReadAll(`${parts.join(' UNION ')} ORDER BY 1`);
      return r.getRows().map((row) => String(row[0]));
    });
  }

  async build(
    job: JobDefinition,
    files: InputFiles,
    keys: readonly string[],
    outDir: string,
  ): Promise<BuildResult> {
    if (keys.length === 0) return { rows: 0, bytes: 0, partitions: [] };
    await fs.mkdir(outDir, { recursive: true });
    const rows = await this.withInputs(job, files, async (conn) => {
      const sql =
        `COPY (SELECT * FROM (${await hiveReadableSql(conn, job.sql.replace(/;\s*$/, ''))}) AS job ` +
        `WHERE ${job.partitionColumn} IN (${keys.map((k) => `DATE ${sqlString(k)}`).join(', ')})) ` +
        `TO ${sqlString(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${job.partitionColumn}), OVERWRITE_OR_IGNORE)`;
      const r = await conn.runAndReadAll(sql);
      return Number(r.getRows()[0]?.[0] ?? 0);
    });
    let bytes = 0;
    for (const f of await filesUnder(outDir)) bytes += (await fs.stat(f)).size;
    const prefix = `${job.partitionColumn}=`;
    const partitions = (await fs.readdir(outDir))
      .filter((n) => n.startsWith(prefix))
      .map((n) => decodeURIComponent(n.slice(prefix.length)))
      .sort();
    return { rows, bytes, partitions };
  }

  async describe(job: JobDefinition): Promise<OutputColumn[]> {
    return this.withInputs(job, {}, async (conn) => {
      const sql = await hiveReadableSql(conn, job.sql.replace(/;\s*$/, ''));
      const r = await conn.runAndReadAll(`DESCRIBE (${sql})`);
      return r
        .getRowObjects()
        .map((o) => ({ name: String(o.column_name), type: String(o.column_type) }));
    });
  }

  /** Nothing stays open between calls. */
  async close(): Promise<void> {}
}
