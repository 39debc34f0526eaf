/**
 * How DuckDB reads a lake table, written once for every engine over the lake (the query
 * engine, the ETL engine, the lake's own tests): `read_parquet` of the table's files with
 * the Hive partition columns typed as the lake declares them, and a typed empty SELECT
 * for a table that has no file yet.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { type LakeTable, PARTITION_COLUMNS, TABLE_COLUMNS } from '../tables.js';

/** A string as a SQL literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

const HIVE_TYPES = `{${PARTITION_COLUMNS.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(', ')}}`;

/**
 * `read_parquet` of lake `files` (at least one): Hive partition columns (vendor, dt,
 * hour) typed as in the lake; `unionByName` reads files of older schema versions too, at
 * the price of opening every file when the query binds (see readLakeFileGroups).
 */
function readParquet(files: readonly string[], unionByName: boolean): string {
  return (
    `read_parquet([${files.map(sqlString).join(', ')}], ` +
    `hive_partitioning = true, union_by_name = ${unionByName}, hive_types = ${HIVE_TYPES})`
  );
}

/**
 * The Parquet schema of each lake file a groupBySchema saw, so that grouping the same
 * files again reads only the footers of the new ones (a lake file never changes once
 * written; a compaction writes new files). Equal schemas are kept once.
 */
export class SchemaCache {
  private readonly ids = new Map<string, number>();
  private byFile = new Map<string, number>();

  /** The schema of `file` (an id equal for equal schemas), or undefined when not seen. */
  get(file: string): number | undefined {
    return this.byFile.get(file);
  }

  set(file: string, schema: string): void {
    let id = this.ids.get(schema);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(schema, id);
    }
    this.byFile.set(file, id);
  }

  /** Forgets every file but `files` (the others were compacted away). */
  retain(files: readonly string[]): void {
    const kept = new Map<string, number>();
    for (const f of files) {
      const id = this.byFile.get(f);
      if (id !== undefined) kept.set(f, id);
    }
    this.byFile = kept;
  }

  get size(): number {
    return this.byFile.size;
  }
}

/**
 * `files` (at least one) grouped by their Parquet schema, every group in the order of its
 * first file: what `readLakeFileGroups` reads. Reads the footer of each file `cache` does
 * not know (about 1.4 s for 5,388 small files), not its data, and adds it to `cache`.
 *
 * A schema is known by its column count and the sum of its columns' hashes (name and
 * types): equal whatever the columns' order, as DuckDB matches columns by name, and a
 * few bytes a file. Not a `string_agg(... ORDER BY ...)` of the columns: an ordered
 * aggregate takes 32 KiB blocks for every group that cannot spill, so the 3,800 files of
 * nine days of the demo's history needed more than the ETL's 256 MB alone, and every
 * pond build over them ran again without a limit.
 */
export async function groupBySchema(
  conn: DuckDBConnection,
  files: readonly string[],
  cache: SchemaCache = new SchemaCache(),
): Promise<string[][]> {
  const unseen = files.filter((f) => cache.get(f) === undefined);
  if (unseen.length > 0) {
    const column =
      `name || ' ' || coalesce(type, '') || ' ' || coalesce(converted_type, '') || ' ' || ` +
      `coalesce(CAST(logical_type AS VARCHAR), '')`;
    const r = await conn.runAndReadAll(
      `SELECT file_name, count(*) || ':' || sum(CAST(hash(${column}) AS HUGEINT)) ` +
        `FROM parquet_schema([${unseen.map(sqlString).join(', ')}]) GROUP BY file_name`,
    );
    for (const [file, schema] of r.getRows()) cache.set(String(file), String(schema));
  }
  const groups = new Map<number, string[]>();
  for (const f of files) {
    const schema = cache.get(f) ?? -1;
    const g = groups.get(schema);
    if (g) g.push(f);
    else groups.set(schema, [f]);
  }
  return [...groups.values()];
}

/**
 * A table expression over lake files grouped by schema (groupBySchema): one
 * `read_parquet` per group without `union_by_name`, the groups combined by name.
 * `union_by_name` opens every file when the query binds and keeps what it read: over the
 * 5,388 files of the demo's history, a pond job went from 1,520 MB of RSS at its peak
 * and 11.1 s to 625 MB and 6.3 s, footers read included (docs/etl.md, "ETL memory").
 */
export function readLakeFileGroups(groups: readonly (readonly string[])[]): string {
  const reads = groups
    .filter((g) => g.length > 0)
    .map((g) => `SELECT * FROM ${readParquet(g, false)}`);
  if (reads.length === 0) throw new RangeError('readLakeFileGroups: no file');
  return `(${reads.join(' UNION ALL BY NAME ')})`;
}

/** A SELECT of no row with every column of `table`, partition columns included, typed. */
export function emptyLakeTable(table: LakeTable): string {
  const cols = [...TABLE_COLUMNS[table], ...PARTITION_COLUMNS]
    .map((c) => `CAST(NULL AS ${c.type}) AS ${c.name}`)
    .join(', ');
  return `SELECT ${cols} WHERE false`;
}

/** The SELECT a view of `table` over `files` reads: every row of the files, or none. */
export function lakeTableSelect(table: LakeTable, files: readonly string[]): string {
  return files.length > 0 ? `SELECT * FROM ${readParquet(files, true)}` : emptyLakeTable(table);
}

/**
 * As lakeTableSelect, over the files grouped by schema (groupBySchema, `cache` remembering
 * the footers read): binding it opens one file per schema, not every file.
 */
export async function groupedLakeTableSelect(
  conn: DuckDBConnection,
  table: LakeTable,
  files: readonly string[],
  cache?: SchemaCache,
): Promise<string> {
  if (files.length === 0) return emptyLakeTable(table);
  return `SELECT * FROM ${readLakeFileGroups(await groupBySchema(conn, files, cache))}`;
}
