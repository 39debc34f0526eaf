/**
 * The read-only catalog views a customer session may read, in one place, so the statement
 * check and the pg_catalog work for BI tools agree. They are DuckDB's own views: they list
 * the session's catalog, which holds only the customer's relations. Left out on purpose:
 * `pg_settings` and every `duckdb_*` / `sqlite_*` view (configuration and internals).
 */

/** Catalog schemas a customer may read from. */
export const CATALOG_SCHEMAS = ['information_schema', 'pg_catalog'] as const;
export type CatalogSchema = (typeof CATALOG_SCHEMAS)[number];

/** Readable relations per catalog schema (lower-case). */
export const CATALOG_RELATIONS: Readonly<Record<CatalogSchema, readonly string[]>> = {
  information_schema: [
    'character_sets',
    'check_constraints',
    'columns',
    'constraint_column_usage',
    'constraint_table_usage',
    'key_column_usage',
    'referential_constraints',
    'schemata',
    'table_constraints',
    'tables',
    'views',
  ],
  pg_catalog: [
    'pg_am',
    'pg_attrdef',
    'pg_attribute',
    'pg_class',
    'pg_collation',
    'pg_constraint',
    'pg_database',
    'pg_depend',
    'pg_description',
    'pg_enum',
    'pg_index',
    'pg_indexes',
    'pg_namespace',
    'pg_prepared_statements',
    'pg_proc',
    'pg_sequence',
    'pg_sequences',
    'pg_tables',
    'pg_tablespace',
    'pg_type',
    'pg_views',
  ],
};

/**
 * True when `schema.name` (lower-case; `schema` empty when unqualified) is a readable
 * catalog view. Unqualified names resolve to pg_catalog only (DuckDB searches it; it does
 * not search information_schema).
 */
export function isCatalogRelation(schema: string, name: string): boolean {
  if (schema === '') return CATALOG_RELATIONS.pg_catalog.includes(name);
  return (
    (CATALOG_SCHEMAS as readonly string[]).includes(schema) &&
    CATALOG_RELATIONS[schema as CatalogSchema].includes(name)
  );
}
