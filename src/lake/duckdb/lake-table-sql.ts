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
 * `files` (at least one) grouped by their Parquet schema, every group in the order of its
 * first file: what `readLakeFileGroups` reads. Reads each file's footer (about 1.4 s for
 * 5,388 small files), not its data.
 */
export async function groupBySchema(
  conn: DuckDBConnection,
  files: readonly string[],
): Promise<string[][]> {
  // A file's columns with their types, in name order (DuckDB matches columns by name).
  const r = await conn.runAndReadAll(
    `SELECT file_name, string_agg(name || ' ' || coalesce(type, '') || ' ' || ` +
      `coalesce(converted_type, '') || ' ' || coalesce(CAST(logical_type AS VARCHAR), ''), ', ' ` +
      `ORDER BY name, type, converted_type) FROM parquet_schema([${files.map(sqlString).join(', ')}]) ` +
      'GROUP BY file_name',
  );
  const schemaOf = new Map<string, string>();
  for (const [file, schema] of r.getRows()) schemaOf.set(String(file), String(schema));
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const schema = schemaOf.get(f) ?? '';
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
