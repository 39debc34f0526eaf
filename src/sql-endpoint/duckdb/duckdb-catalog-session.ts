/**
 * A CatalogSession on its own in-memory DuckDB that holds PostgreSQL-shaped catalog
 * tables (pg_class, pg_attribute, pg_type, ...) filled from the customer's relation
 * names and column types, and macros for the catalog functions clients call
 * (pg_get_userbyid, format_type, pg_table_is_visible, version, current_database, ...).
 * It has no data, no files and no view definitions: it cannot reveal anything but the
 * names and types the customer may see. The instance is locked like a customer session
 * (no external access, configuration locked), and each statement must be one SELECT
 * reading only catalog tables.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { jsonValueConverter } from '../../lake/duckdb/json-values.js';
import type { ResultColumn, Row } from '../../query/lake-query.js';
import { rewriteCatalogSql } from '../catalog-rewrite.js';
import type { CatalogSession, CatalogSpec } from '../catalog-session.js';
import type { SessionResult } from '../customer-session.js';
import { SqlExecutionError, SqlRejectedError } from '../errors.js';
import { checkSerializedSql } from '../sql-guard.js';
import {
  CATALOG_RELATIONS,
  catalogStatements,
  FIRST_RELATION_OID,
} from './duckdb-catalog-tables.js';

const lit = (s: string | null) => (s === null ? 'NULL' : `'${s.replaceAll("'", "''")}'`);
const firstLine = (err: unknown) =>
  ((err as Error)?.message ?? String(err)).split('\n').find((l) => l.trim()) ?? 'query failed';

/** Table functions a catalog query may call (psql's and pgjdbc's queries use them). */
const CATALOG_TABLE_FUNCTIONS = new Set(['generate_series', 'range', 'unnest']);

/** Scalar functions that would reveal the engine's configuration or files. */
const DENIED =
  /^(current_setting|getenv|which_secret|query|query_table|glob|sniff_csv|read_.*|parquet_.*|duckdb_.*|pragma_.*|.*_scan)$/i;

/** Names of DuckDB's own views and table functions, which a CTE name must not shadow. */
const SHADOWABLE = /^(duckdb_|sqlite_|pragma_|information_schema$|pg_catalog$)/;
const PLAIN_NAME = /^[a-z_][a-z0-9_$]*$/;

type Node = Record<string, unknown>;

function walk(value: unknown, fn: (n: Node) => void): void {
  if (Array.isArray(value)) for (const v of value) walk(v, fn);
  else if (value !== null && typeof value === 'object') {
    fn(value as Node);
    for (const v of Object.values(value)) walk(v, fn);
  }
}

/** Checks the serialized parse tree of a catalog query; throws SqlRejectedError. */
export function checkCatalogQuery(serialized: string): void {
  const tree = JSON.parse(serialized) as {
    error?: boolean;
    error_message?: string;
    statements?: unknown[];
  };
  if (tree.error) {
    if (/only select/i.test(tree.error_message ?? ''))
      throw new SqlRejectedError('only read queries (SELECT) are allowed');
    throw new SqlExecutionError(tree.error_message ?? 'the statement does not parse');
  }
  if ((tree.statements ?? []).length !== 1)
    throw new SqlRejectedError('exactly one statement per query is allowed');
  // The customer session's scoped check first, with the catalog's own tables as the
  // readable relations: a CTE name then counts only where SQL makes it visible.
  checkSerializedSql(serialized, CATALOG_RELATIONS);
  const ctes = new Set<string>();
  walk(tree.statements, (n) => {
    for (const e of (n.cte_map as { map?: { key: string }[] } | undefined)?.map ?? [])
      ctes.add(String(e.key).toLowerCase());
  });
  // CTE names count here for the whole statement, whatever their scope; so a CTE may not
  // shadow anything a scan could reach (a catalog relation, DuckDB's own views, a path),
  // or it would let a reference elsewhere in the statement through to the real one.
  for (const name of ctes)
    if (CATALOG_RELATIONS.has(name) || SHADOWABLE.test(name) || !PLAIN_NAME.test(name))
      throw new SqlRejectedError(
        `a CTE may not be named "${name}": the name of a catalog relation, a DuckDB view or a file`,
      );
  walk(tree.statements, (n) => {
    if (n.type === 'TABLE_FUNCTION') {
      const fn = String((n.function as Node | undefined)?.function_name ?? '');
      if (!CATALOG_TABLE_FUNCTIONS.has(fn.toLowerCase()))
        throw new SqlRejectedError(`table function ${fn}() is not allowed`);
    }
    if (n.type === 'SHOW_REF')
      throw new SqlRejectedError('SHOW/DESCRIBE of this relation is not allowed');
    if (n.type === 'BASE_TABLE') {
      const name = String(n.table_name).toLowerCase();
      const schema = String(n.schema_name ?? '').toLowerCase();
      const catalog = String(n.catalog_name ?? '');
      if (
        catalog ||
        (schema && schema !== 'main') ||
        !(CATALOG_RELATIONS.has(name) || ctes.has(name))
      )
        throw new SqlRejectedError(
          `relation "${[catalog, schema, String(n.table_name)].filter(Boolean).join('.')}" does not exist or is not granted to you`,
        );
    }
    if (n.class === 'FUNCTION' && typeof n.function_name === 'string') {
      if (DENIED.test(n.function_name) || (n.schema && n.schema !== 'main'))
        throw new SqlRejectedError(`function ${n.function_name}() is not allowed`);
    }
  });
}

/**
 * The name PostgreSQL gives an unaliased column: a function call is named after the
 * function (`version`, not `"version"()`); DuckDB names it after its text.
 */
function postgresColumnName(name: string, i: number, all: readonly string[]): string {
  const m = /^"?([A-Za-z_][A-Za-z0-9_]*)"?\(/.exec(name);
  if (!m) return name;
  const short = m[1]!;
  return all.some(
    (other, j) =>
      j !== i &&
      (other === short || other.startsWith(`${short}(`) || other.startsWith(`"${short}"(`)),
  )
    ? name
    : short;
}

/** Opens the catalog of `spec` (see the file comment). */
export async function openDuckDBCatalogSession(spec: CatalogSpec): Promise<CatalogSession> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  const oids = new Map<string, number>([
    ['pg_class', 1259],
    ['pg_type', 1247],
    ['pg_namespace', 2615],
    ['pg_attribute', 1249],
    ['pg_proc', 1255],
  ]);
  for (const [i, r] of spec.relations.entries())
    oids.set(r.name.toLowerCase(), FIRST_RELATION_OID + i * 2);
  try {
    for (const s of catalogStatements(spec)) await conn.run(s);
    await conn.run(`SET memory_limit = '64MB'`);
    await conn.run('SET enable_external_access = false');
    await conn.run('SET autoinstall_known_extensions = false');
    await conn.run('SET autoload_known_extensions = false');
    await conn.run('SET lock_configuration = true');
  } catch (err) {
    conn.closeSync();
    instance.closeSync();
    throw err;
  }
  let queue: Promise<unknown> = Promise.resolve();
  const run = async (sql: string): Promise<SessionResult> => {
    const rewritten = rewriteCatalogSql(sql, (n) => oids.get(n.toLowerCase()));
    if (rewritten.includes('\0'))
      throw new SqlRejectedError('the statement contains a NUL character');
    const check = await conn.runAndReadAll(`SELECT json_serialize_sql(${lit(rewritten)})`);
    checkCatalogQuery(String(check.getRows()[0]?.[0] ?? ''));
    try {
      const result = await conn.runAndReadAll(rewritten);
      const names = result.deduplicatedColumnNames();
      const shown = names.map(postgresColumnName);
      const columns: ResultColumn[] = shown.map((name, i) => ({
        name,
        type: result.columnType(i).toString(),
      }));
      const rows = (result.convertRowObjects(jsonValueConverter) as Row[]).map((r) =>
        Object.fromEntries(names.map((n, i) => [shown[i], r[n]])),
      );
      return { columns, rows };
    } catch (err) {
      throw new SqlExecutionError(firstLine(err), { cause: err });
    }
  };
  return {
    query(sql) {
      const next = queue.then(
        () => run(sql),
        () => run(sql),
      );
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await queue;
      conn.closeSync();
      instance.closeSync();
    },
  };
}
