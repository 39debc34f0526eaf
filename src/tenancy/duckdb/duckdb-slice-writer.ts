import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { SliceFilter, SliceWriter } from '../customer-slices.js';

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

function where(filters: readonly SliceFilter[]): string {
  const parts = filters.map((f) =>
    f.column === undefined
      ? 'false'
      : `${ident(f.column)} IN (${f.values.map(lit).join(', ') || 'NULL'})`,
  );
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/**
 * A SliceWriter on a short-lived in-memory DuckDB per slice, allowed to read only the
 * pond's directory and write only the target's directory. Partition columns come from
 * the Hive paths, typed as DuckDB detects them (dates stay DATE), as in a pond view.
 */
export class DuckDBSliceWriter implements SliceWriter {
  /** `threads` default 1: a slice is a filtered copy of a small aggregate. */
  constructor(private readonly threads = 1) {}

  async write(
    files: readonly string[],
    filters: readonly SliceFilter[],
    target: string,
  ): Promise<number> {
    if (files.length === 0) throw new Error('a slice needs at least one pond file');
    const instance = await DuckDBInstance.create(':memory:', { threads: String(this.threads) });
    const conn = await instance.connect();
    try {
      const dirs = [...new Set(files.map((f) => path.dirname(path.dirname(f))))];
      await conn.run(
        `SET allowed_directories = [${[...dirs, path.dirname(target)].map((d) => lit(`${d}/`)).join(', ')}]`,
      );
      await conn.run('SET enable_external_access = false');
      const r = await conn.runAndReadAll(
        `COPY (SELECT * FROM read_parquet([${files.map(lit).join(', ')}], hive_partitioning = true, union_by_name = true)${where(filters)}) ` +
          `TO ${lit(target)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      return Number(r.getRows()[0]?.[0] ?? 0);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  }
}
