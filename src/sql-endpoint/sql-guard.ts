/**
 * The statement check of customer SQL. It works on DuckDB's own parse tree (the JSON of
 * `json_serialize_sql`), never on the text: the statement must be exactly one SELECT
 * (DuckDB serializes nothing else), every relation it reads must be one of the
 * customer's (or a CTE it defines, or a few information_schema views), and it may call
 * no table function and none of the scalar functions that reveal configuration.
 */
import { SqlRejectedError } from './errors.js';

/** information_schema views a BI tool may read; the session catalog holds only the customer's relations. */
export const ALLOWED_INFORMATION_SCHEMA = ['tables', 'columns', 'schemata'] as const;

/** Scalar functions refused by name or prefix: configuration, environment, files, secrets. */
const DENIED_FUNCTIONS =
  /^(current_setting|getenv|which_secret|query|query_table|glob|sniff_csv|read_.*|parquet_.*|duckdb_.*|pragma_.*|.*_scan)$/i;

/** Table-reference node types allowed (besides BASE_TABLE, which is checked by name). */
const TABLE_REF_TYPES = new Set([
  'BASE_TABLE',
  'JOIN',
  'SUBQUERY',
  'EMPTY',
  'EXPRESSION_LIST',
  'PIVOT',
  'SHOW_REF',
]);

type Node = Record<string, unknown>;

function each(value: unknown, fn: (n: Node) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) each(v, fn);
  } else if (value !== null && typeof value === 'object') {
    fn(value as Node);
    for (const v of Object.values(value)) each(v, fn);
  }
}

/**
 * Checks the output of `json_serialize_sql(sql)`. `relations` are the (lower-case) names
 * the customer may read. Throws SqlRejectedError saying what is not allowed; a parse
 * error is reported with DuckDB's message.
 */
export function checkSerializedSql(serialized: string, relations: ReadonlySet<string>): void {
  let tree: {
    error?: boolean;
    error_message?: string;
    error_type?: string;
    statements?: unknown[];
  };
  try {
    tree = JSON.parse(serialized);
  } catch {
    throw new SqlRejectedError('the statement could not be checked');
  }
  if (tree.error) {
    if (/only select/i.test(tree.error_message ?? ''))
      throw new SqlRejectedError('only read queries (SELECT) are allowed');
    throw new SqlRejectedError(tree.error_message ?? 'the statement does not parse');
  }
  const statements = tree.statements ?? [];
  if (statements.length === 0) throw new SqlRejectedError('empty statement');
  if (statements.length > 1)
    throw new SqlRejectedError('exactly one statement per query is allowed');
  const ctes = new Set<string>();
  each(statements, (n) => {
    const map = (n.cte_map as { map?: { key: string }[] } | undefined)?.map;
    for (const e of map ?? []) ctes.add(String(e.key).toLowerCase());
  });
  each(statements, (n) => {
    if (n.type === 'TABLE_FUNCTION') {
      const fn = (n.function as Node | undefined)?.function_name;
      throw new SqlRejectedError(`table function ${String(fn ?? '')}() is not allowed`);
    }
    if (
      'sample' in n &&
      'alias' in n &&
      !('class' in n) &&
      typeof n.type === 'string' &&
      !TABLE_REF_TYPES.has(n.type)
    )
      throw new SqlRejectedError(`${n.type.toLowerCase()} is not allowed`);
    if (n.type === 'SHOW_REF' && n.show_type !== 'DESCRIBE')
      throw new SqlRejectedError(`SHOW/${String(n.show_type).toLowerCase()} is not allowed`);
    if (n.type === 'SHOW_REF' && n.table_name)
      checkRelation('', '', String(n.table_name), relations, ctes);
    if (n.type === 'BASE_TABLE')
      checkRelation(
        String(n.catalog_name ?? ''),
        String(n.schema_name ?? ''),
        String(n.table_name),
        relations,
        ctes,
      );
    if (n.class === 'FUNCTION' && typeof n.function_name === 'string') {
      if (
        DENIED_FUNCTIONS.test(n.function_name) ||
        (n.schema && n.schema !== 'main' && n.schema !== '')
      )
        throw new SqlRejectedError(`function ${n.function_name}() is not allowed`);
    }
  });
}

function checkRelation(
  catalog: string,
  schema: string,
  table: string,
  relations: ReadonlySet<string>,
  ctes: ReadonlySet<string>,
): void {
  const name = table.toLowerCase();
  const s = schema.toLowerCase();
  const c = catalog.toLowerCase();
  if (s === 'information_schema' && (c === '' || c === 'memory')) {
    if ((ALLOWED_INFORMATION_SCHEMA as readonly string[]).includes(name)) return;
  } else if ((c === '' || c === 'memory') && (s === '' || s === 'main')) {
    if (relations.has(name) || (s === '' && c === '' && ctes.has(name))) return;
  }
  const shown = [catalog, schema, table].filter(Boolean).join('.');
  throw new SqlRejectedError(`relation "${shown}" does not exist or is not granted to you`);
}
