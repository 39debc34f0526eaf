/**
 * The statement check of customer SQL, the second line of defence (the first is that the
 * session can reach no file outside the customer's own area). It works on DuckDB's own
 * parse tree (the JSON of `json_serialize_sql`), never on the text, and resolves relation
 * names with SQL's scoping rules: a CTE name counts only inside the query that defines
 * it, after its definition (and inside its own recursive part), never in a sibling
 * subquery. The statement must be exactly one SELECT; every relation it reads must be a
 * CTE in scope, one of the customer's relations, or a catalog view of
 * catalog-relations.ts. A name that looks like a file path, a table function other than
 * unnest/range/generate_series, and the functions that reveal configuration or read
 * files are refused. Anything in the tree the check does not know is refused too.
 */
import { isCatalogRelation } from './catalog-relations.js';
import { SqlRejectedError } from './errors.js';

/** Scalar functions refused by name or prefix: configuration, environment, files, secrets. */
const DENIED_FUNCTIONS =
  /^(current_setting|getenv|which_secret|query|query_table|glob|sniff_csv|read_.*|parquet_.*|duckdb_.*|pragma_.*|.*_scan|pg_get_viewdef)$/;

/** Table functions that read nothing but their arguments. */
const ALLOWED_TABLE_FUNCTIONS = new Set(['unnest', 'range', 'generate_series']);

/** Schemas a scalar function may be qualified with. */
const FUNCTION_SCHEMAS = new Set(['', 'main', 'pg_catalog']);

/**
 * Characters that make a relation name a file path, URL or glob (DuckDB turns such a
 * name into a replacement scan of the file): refused in table and CTE names alike.
 */
const PATH_CHARS = /[/\\.:*?~[\]{}'"]/;

function pathLike(name: string): boolean {
  if (PATH_CHARS.test(name)) return true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

const QUERY_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'RECURSIVE_CTE_NODE']);
const TABLE_REFS = new Set([
  'BASE_TABLE',
  'JOIN',
  'SUBQUERY',
  'EMPTY',
  'EXPRESSION_LIST',
  'PIVOT',
  'SHOW_REF',
  'TABLE_FUNCTION',
]);

type Node = Record<string, unknown>;
/** CTE names visible at a point of the query (ASCII lower-case, as DuckDB compares them). */
type Scope = ReadonlySet<string>;

/** DuckDB folds identifiers with ASCII lower-casing only; folding more would see matches it does not. */
function fold(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function isNode(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function reject(message: string): never {
  throw new SqlRejectedError(message);
}

/**
 * Checks the output of `json_serialize_sql(sql)`. `relations` are the (lower-case) names
 * the customer may read; `unbuilt` the ponds granted to it that have no files yet (named
 * as such in the refusal, not as unknown). Throws SqlRejectedError saying what is not
 * allowed; a parse error is reported with DuckDB's message.
 */
export function checkSerializedSql(
  serialized: string,
  relations: ReadonlySet<string>,
  unbuilt: ReadonlySet<string> = new Set(),
): void {
  let tree: {
    error?: boolean;
    error_message?: string;
    statements?: unknown[];
  };
  try {
    tree = JSON.parse(serialized);
  } catch {
    reject('the statement could not be checked');
  }
  if (tree.error) {
    if (/only select/i.test(tree.error_message ?? ''))
      reject('only read queries (SELECT) are allowed');
    reject(tree.error_message ?? 'the statement does not parse');
  }
  const statements = tree.statements ?? [];
  if (statements.length === 0) reject('empty statement');
  if (statements.length > 1) reject('exactly one statement per query is allowed');
  const statement = statements[0];
  if (!isNode(statement)) reject('the statement could not be checked');
  new ScopedCheck(relations, unbuilt).query(statement.node, new Set());
}

class ScopedCheck {
  constructor(
    private readonly relations: ReadonlySet<string>,
    private readonly unbuilt: ReadonlySet<string>,
  ) {}

  /** A query node (SELECT, set operation, recursive CTE) seen with the CTEs of `outer`. */
  query(node: unknown, outer: Scope): void {
    if (!isNode(node) || typeof node.type !== 'string' || !QUERY_NODES.has(node.type))
      reject(`${isNode(node) ? String(node.type).toLowerCase() : 'this query'} is not allowed`);
    const scope = this.ctes(node.cte_map, outer);
    for (const [key, value] of Object.entries(node)) {
      if (key === 'type' || key === 'cte_map') continue;
      if (node.type === 'SELECT_NODE' && key === 'from_table') this.table(value, scope);
      else if (node.type !== 'SELECT_NODE' && key === 'left') this.query(value, scope);
      else if (node.type === 'SET_OPERATION_NODE' && key === 'right') this.query(value, scope);
      else if (node.type === 'RECURSIVE_CTE_NODE' && key === 'right')
        // Only the recursive part sees the CTE's own name.
        this.query(value, new Set([...scope, fold(String(node.cte_name))]));
      else if (key === 'cte_name') continue;
      else this.expression(value, scope);
    }
  }

  /** The CTEs of one WITH: each sees those defined before it; the body sees them all. */
  private ctes(map: unknown, outer: Scope): Scope {
    const entries = isNode(map) && Array.isArray(map.map) ? map.map : [];
    if (entries.length === 0) return outer;
    const scope = new Set(outer);
    for (const e of entries) {
      if (!isNode(e) || typeof e.key !== 'string' || !isNode(e.value))
        reject('this WITH clause could not be checked');
      if (pathLike(e.key)) reject(`CTE name "${e.key}" looks like a file path; use a plain name`);
      const q = e.value.query;
      this.query(isNode(q) ? q.node : undefined, scope);
      scope.add(fold(e.key));
    }
    return scope;
  }

  /** A FROM item. */
  private table(ref: unknown, scope: Scope): void {
    if (!isNode(ref) || typeof ref.type !== 'string' || !TABLE_REFS.has(ref.type))
      reject(`${isNode(ref) ? String(ref.type).toLowerCase() : 'this FROM item'} is not allowed`);
    switch (ref.type) {
      case 'BASE_TABLE':
        this.relation(ref, scope);
        return;
      case 'JOIN':
        this.table(ref.left, scope);
        this.table(ref.right, scope);
        this.expressionsExcept(ref, ['left', 'right'], scope);
        return;
      case 'SUBQUERY':
        this.query(isNode(ref.subquery) ? ref.subquery.node : undefined, scope);
        this.expressionsExcept(ref, ['subquery'], scope);
        return;
      case 'PIVOT':
        this.table(ref.source, scope);
        this.expressionsExcept(ref, ['source'], scope);
        return;
      case 'SHOW_REF': {
        if (ref.show_type !== 'DESCRIBE' && ref.show_type !== 'SUMMARY')
          reject(`SHOW ${String(ref.show_type).toLowerCase()} is not allowed`);
        if (ref.table_name) {
          const name = String(ref.table_name);
          this.relation({ table_name: name, schema_name: '', catalog_name: '' }, scope);
        }
        if (ref.query) this.query(ref.query, scope);
        return;
      }
      case 'TABLE_FUNCTION': {
        const fn = isNode(ref.function) ? ref.function : {};
        const name = fold(String(fn.function_name ?? ''));
        if (!ALLOWED_TABLE_FUNCTIONS.has(name) || (fn.schema ?? '') !== '' || fn.catalog)
          reject(`table function ${name}() is not allowed`);
        this.expression(ref, scope, true);
        return;
      }
      default:
        this.expressionsExcept(ref, [], scope);
        return;
    }
  }

  private relation(ref: Node, scope: Scope): void {
    const table = String(ref.table_name ?? '');
    const schema = fold(String(ref.schema_name ?? ''));
    const catalog = fold(String(ref.catalog_name ?? ''));
    const name = fold(table);
    const shown = [ref.catalog_name, ref.schema_name, table].filter(Boolean).join('.');
    if (ref.at_clause) reject(`AT (time travel) is not allowed on "${shown}"`);
    if (catalog === '' && schema === '' && scope.has(name)) return;
    if (pathLike(table) || pathLike(schema) || pathLike(catalog))
      reject(
        `"${shown}" looks like a file path: files are not granted to you, only your relations`,
      );
    if (catalog === '' || catalog === 'memory') {
      const own = schema === '' || schema === 'main';
      if (own && this.relations.has(name)) return;
      if (isCatalogRelation(schema, name)) return;
      if (own && this.unbuilt.has(name))
        reject(
          `pond "${shown}" is granted to you but not built yet: its first ETL run has not finished (faresight etl status shows when it runs); try again then`,
        );
    }
    reject(`relation "${shown}" does not exist or is not granted to you`);
  }

  private expressionsExcept(node: Node, skip: readonly string[], scope: Scope): void {
    for (const [key, value] of Object.entries(node))
      if (key !== 'type' && !skip.includes(key)) this.expression(value, scope);
  }

  /**
   * Walks expressions: subqueries are checked as queries in the current scope; every
   * function name is checked; a table or query node anywhere else is refused (the check
   * does not know where such a thing would be resolved). `top` = `value` itself is the
   * table function reference already checked.
   */
  private expression(value: unknown, scope: Scope, top = false): void {
    if (Array.isArray(value)) {
      for (const v of value) this.expression(v, scope);
      return;
    }
    if (!isNode(value)) return;
    if (value.class === 'SUBQUERY') {
      this.query(isNode(value.subquery) ? value.subquery.node : undefined, scope);
      this.expressionsExcept(value, ['subquery'], scope);
      return;
    }
    if (
      !top &&
      value.class === undefined &&
      typeof value.type === 'string' &&
      (QUERY_NODES.has(value.type) || TABLE_REFS.has(value.type))
    )
      reject(`${value.type.toLowerCase()} is not allowed here`);
    if (typeof value.function_name === 'string') {
      const name = fold(value.function_name);
      const schema = fold(String(value.schema ?? ''));
      if (
        DENIED_FUNCTIONS.test(name) ||
        !FUNCTION_SCHEMAS.has(schema) ||
        (value.catalog !== undefined && value.catalog !== '')
      )
        reject(`function ${value.function_name}() is not allowed`);
    }
    for (const v of Object.values(value)) this.expression(v, scope);
  }
}
