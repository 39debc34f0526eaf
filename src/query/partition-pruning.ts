/**
 * Which lake files a query needs, from its parsed SQL (DuckDB's `json_serialize_sql`
 * AST). Conservative by construction: it may name more files than the query reads,
 * never fewer.
 *
 * - Every base-table reference anywhere in the statement (joins, subqueries, CTEs) is a
 *   scan of the whole table, except one: when the top-level SELECT reads a single base
 *   table, the plain conjuncts of its WHERE on the partition columns narrow that scan.
 * - Understood conjuncts: `vendor = 'v'`, `vendor in (...)`; `dt` and `hour` with `=`,
 *   `<`, `<=`, `>`, `>=`, `between`, `in`, against literals (`'2026-11-26'`,
 *   `DATE '2026-11-26'`, `5`, `'05'`). Anything else (OR, functions, casts of columns,
 *   other literal forms) is ignored, which only widens the scan.
 */
import { PARTITION_COLUMNS } from '../lake/tables.js';

/** A partition column the pruning understands. */
export type PartitionColumn = 'vendor' | 'dt' | 'hour';

/** One necessary condition on a partition value taken from an object key. */
export interface PartitionPredicate {
  readonly column: PartitionColumn;
  /** `eq` and `in` carry `values`; range operators carry one value. */
  readonly op: 'in' | 'lt' | 'le' | 'gt' | 'ge';
  readonly values: readonly (string | number)[];
}

/** A read of one table: all predicates must hold for a file to be needed; none = whole table. */
export interface TableScan {
  readonly table: string;
  readonly predicates: readonly PartitionPredicate[];
}

type Node = Record<string, unknown>;

const DATE_LITERAL = /^\d{4}-\d{2}-\d{2}$/;
const HOUR_TEXT = /^\d{1,2}$/;
const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT']);
/** The SQL types the literal rules below assume; a column typed otherwise is not pruned. */
const EXPECTED_TYPES: Record<PartitionColumn, string> = {
  vendor: 'VARCHAR',
  dt: 'DATE',
  hour: 'INTEGER',
};
const PRUNABLE = new Set<string>(
  PARTITION_COLUMNS.filter(
    (c) => EXPECTED_TYPES[c.name as PartitionColumn] === c.type.toUpperCase(),
  ).map((c) => c.name),
);

const FLIP: Record<PartitionPredicate['op'], PartitionPredicate['op']> = {
  in: 'in',
  lt: 'gt',
  le: 'ge',
  gt: 'lt',
  ge: 'le',
};
const COMPARISONS: Record<string, PartitionPredicate['op']> = {
  COMPARE_EQUAL: 'in',
  COMPARE_LESSTHAN: 'lt',
  COMPARE_LESSTHANOREQUALTO: 'le',
  COMPARE_GREATERTHAN: 'gt',
  COMPARE_GREATERTHANOREQUALTO: 'ge',
};

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;

/**
 * The table scans of a serialized statement, or undefined when `ast` is not a
 * successfully parsed statement list (the caller then scans every table it mentions).
 */
export function tableScans(ast: unknown): TableScan[] | undefined {
  if (!isNode(ast) || ast.error !== false || !Array.isArray(ast.statements)) return undefined;
  const scans: TableScan[] = [];
  const top = ast.statements.length === 1 ? (ast.statements[0] as Node).node : undefined;
  let pruned: Node | undefined;
  if (isNode(top) && top.type === 'SELECT_NODE' && isBaseTable(top.from_table)) {
    pruned = top.from_table;
    scans.push({
      table: String(pruned.table_name).toLowerCase(),
      predicates: predicatesOf(top.where_clause, pruned),
    });
  }
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!isNode(v)) return;
    if (isBaseTable(v) && v !== pruned)
      scans.push({ table: String(v.table_name).toLowerCase(), predicates: [] });
    for (const x of Object.values(v)) walk(x);
  };
  walk(ast.statements);
  return scans;
}

function isBaseTable(v: unknown): v is Node {
  return (
    isNode(v) &&
    v.type === 'BASE_TABLE' &&
    typeof v.table_name === 'string' &&
    (v.schema_name === '' || v.schema_name === 'main') &&
    (v.catalog_name === '' || v.catalog_name === undefined || v.catalog_name === 'memory')
  );
}

function conjuncts(where: unknown): Node[] {
  if (!isNode(where)) return [];
  if (where.type === 'CONJUNCTION_AND' && Array.isArray(where.children))
    return where.children.flatMap(conjuncts);
  return [where];
}

function predicatesOf(where: unknown, table: Node): PartitionPredicate[] {
  const out: PartitionPredicate[] = [];
  for (const c of conjuncts(where)) {
    const p = predicateOf(c, table);
    if (p) out.push(...p);
  }
  return out;
}

function predicateOf(c: Node, table: Node): PartitionPredicate[] | undefined {
  const op = COMPARISONS[String(c.type)];
  if (c.class === 'COMPARISON' && op) {
    let column = columnOf(c.left, table);
    let other = c.right;
    let o = op;
    if (!column) {
      column = columnOf(c.right, table);
      other = c.left;
      o = FLIP[op];
    }
    if (!column) return undefined;
    const v = literalFor(column, other, o === 'in');
    return v === undefined ? undefined : [{ column, op: o, values: [v] }];
  }
  if (c.type === 'COMPARE_IN' && Array.isArray(c.children) && c.children.length > 1) {
    const column = columnOf(c.children[0], table);
    if (!column) return undefined;
    const values = c.children.slice(1).map((x) => literalFor(column, x, true));
    if (values.some((v) => v === undefined)) return undefined;
    return [{ column, op: 'in', values: values as (string | number)[] }];
  }
  if (c.type === 'COMPARE_BETWEEN') {
    const column = columnOf(c.input, table);
    if (!column) return undefined;
    const lo = literalFor(column, c.lower, false);
    const hi = literalFor(column, c.upper, false);
    if (lo === undefined || hi === undefined) return undefined;
    return [
      { column, op: 'ge', values: [lo] },
      { column, op: 'le', values: [hi] },
    ];
  }
  return undefined;
}

/** The partition column `v` names, unqualified or qualified by the table's name or alias. */
function columnOf(v: unknown, table: Node): PartitionColumn | undefined {
  if (!isNode(v) || v.class !== 'COLUMN_REF' || !Array.isArray(v.column_names)) return undefined;
  const names = (v.column_names as unknown[]).map((n) => String(n).toLowerCase());
  let name: string | undefined;
  if (names.length === 1) name = names[0];
  else if (names.length === 2) {
    const alias = String(table.alias ?? '').toLowerCase();
    const qualifier = alias !== '' ? alias : String(table.table_name).toLowerCase();
    if (names[0] === qualifier) name = names[1];
  }
  return name !== undefined && PRUNABLE.has(name) ? (name as PartitionColumn) : undefined;
}

/** The literal `v` as the column's value, when its meaning is certain; equality-only forms need `equality`. */
function literalFor(
  column: PartitionColumn,
  v: unknown,
  equality: boolean,
): string | number | undefined {
  if (!isNode(v)) return undefined;
  let constant = v;
  let castTo: string | undefined;
  if (v.class === 'CAST' && v.try_cast === false && isNode(v.child) && isNode(v.cast_type)) {
    castTo = String(v.cast_type.id);
    constant = v.child;
  }
  if (constant.class !== 'CONSTANT' || !isNode(constant.value)) return undefined;
  const { value, is_null } = constant.value as { value: unknown; is_null: boolean };
  const typeId = isNode(constant.value.type) ? String(constant.value.type.id) : '';
  if (is_null) return undefined;
  switch (column) {
    case 'vendor':
      return equality && castTo === undefined && typeId === 'VARCHAR' && typeof value === 'string'
        ? value
        : undefined;
    case 'dt':
      return (castTo === undefined || castTo === 'DATE') &&
        typeId === 'VARCHAR' &&
        typeof value === 'string' &&
        DATE_LITERAL.test(value)
        ? value
        : undefined;
    case 'hour':
      if (castTo !== undefined) return undefined;
      if (INTEGER_TYPES.has(typeId) && typeof value === 'number' && Number.isInteger(value))
        return value;
      // A string literal is cast to the column's INTEGER; trust only plain digits.
      if (typeId === 'VARCHAR' && typeof value === 'string' && HOUR_TEXT.test(value))
        return Number(value);
      return undefined;
  }
}

/** Partition values in a key (`name=value` path segments). */
export function partitionValues(key: string): Partial<Record<PartitionColumn, string | number>> {
  const out: Partial<Record<PartitionColumn, string | number>> = {};
  for (const seg of key.split('/')) {
    const eq = seg.indexOf('=');
    if (eq <= 0) continue;
    const name = seg.slice(0, eq);
    const value = seg.slice(eq + 1);
    if (name === 'vendor' || name === 'dt') out[name] = value;
    else if (name === 'hour' && /^\d+$/.test(value)) out.hour = Number(value);
  }
  return out;
}

/**
 * True unless the key's partition values contradict a predicate. A key without a
 * column's value (a table partitioned differently) never fails that column's predicates.
 */
export function keyMatches(key: string, predicates: readonly PartitionPredicate[]): boolean {
  if (predicates.length === 0) return true;
  const values = partitionValues(key);
  return predicates.every((p) => {
    const v = values[p.column];
    return v === undefined || holds(p, v);
  });
}

function holds(p: PartitionPredicate, v: string | number): boolean {
  const x = p.values[0]!;
  switch (p.op) {
    case 'in':
      return p.values.includes(v);
    case 'lt':
      return v < x;
    case 'le':
      return v <= x;
    case 'gt':
      return v > x;
    case 'ge':
      return v >= x;
  }
}

/** Largest number of list prefixes a scan is split into before it lists the table. */
const MAX_PREFIXES = 64;

/**
 * Object-store prefixes that together hold every file of `scan` the predicates allow:
 * `table/vendor=v/dt=d/hour=hh/` as deep as equalities allow, else `table/`.
 */
export function scanPrefixes(scan: TableScan): string[] {
  const eq = (column: PartitionColumn) => {
    const ps = scan.predicates.filter((p) => p.column === column && p.op === 'in');
    if (ps.length === 0) return undefined;
    // Several IN lists on one column: their intersection.
    return ps
      .slice(1)
      .reduce<(string | number)[]>(
        (acc, p) => acc.filter((v) => p.values.includes(v)),
        [...new Set(ps[0]!.values)],
      );
  };
  let prefixes = [`${scan.table}/`];
  const levels: [PartitionColumn, (v: string | number) => string][] = [
    ['vendor', (v) => `vendor=${v}/`],
    ['dt', (v) => `dt=${v}/`],
    ['hour', (v) => `hour=${String(v).padStart(2, '0')}/`],
  ];
  for (const [column, seg] of levels) {
    const values = eq(column);
    if (values === undefined || prefixes.length * values.length > MAX_PREFIXES) break;
    // An equality on a vendor that could not be a path segment matches no file.
    prefixes = prefixes.flatMap((p) =>
      values.filter((v) => !String(v).includes('/')).map((v) => p + seg(v)),
    );
  }
  return prefixes;
}
