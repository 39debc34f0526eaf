/**
 * The PostgreSQL-shaped catalog tables, views and macros of a DuckDB catalog session,
 * built from the customer's relation names and column types (see duckdb-catalog-session.ts).
 */
import type { CatalogSpec } from '../catalog-session.js';
import { typeOid } from '../pg-messages.js';
import { SERVER_VERSION } from '../session-commands.js';

const lit = (s: string | null) => (s === null ? 'NULL' : `'${s.replaceAll("'", "''")}'`);

/** PostgreSQL types the catalog lists: oid -> [typname, format_type name, typlen, typcategory]. */
const TYPES: Readonly<Record<number, readonly [string, string, number, string]>> = {
  16: ['bool', 'boolean', 1, 'B'],
  17: ['bytea', 'bytea', -1, 'U'],
  18: ['char', '"char"', 1, 'Z'],
  19: ['name', 'name', 64, 'S'],
  20: ['int8', 'bigint', 8, 'N'],
  21: ['int2', 'smallint', 2, 'N'],
  23: ['int4', 'integer', 4, 'N'],
  25: ['text', 'text', -1, 'S'],
  26: ['oid', 'oid', 4, 'N'],
  114: ['json', 'json', -1, 'U'],
  700: ['float4', 'real', 4, 'N'],
  701: ['float8', 'double precision', 8, 'N'],
  1042: ['bpchar', 'character', -1, 'S'],
  1043: ['varchar', 'character varying', -1, 'S'],
  1082: ['date', 'date', 4, 'D'],
  1083: ['time', 'time without time zone', 8, 'D'],
  1114: ['timestamp', 'timestamp without time zone', 8, 'D'],
  1184: ['timestamptz', 'timestamp with time zone', 8, 'D'],
  1700: ['numeric', 'numeric', -1, 'N'],
  2950: ['uuid', 'uuid', 16, 'U'],
};

/** Namespace oids, as in PostgreSQL (the customer's schema takes public's oid). */
const PG_CATALOG = 11;
const MAIN = 2200;
const INFORMATION_SCHEMA = 13000;
/** Oid of the first relation; the next ones follow two apart (the relation, its row type). */
export const FIRST_RELATION_OID = 16384;
const OWNER = 10;

/** Empty catalog tables psql and drivers join against: name -> column definitions. */
const EMPTY_TABLES: Readonly<Record<string, string>> = {
  pg_attrdef: 'oid INTEGER, adrelid INTEGER, adnum INTEGER, adbin VARCHAR',
  pg_collation:
    'oid INTEGER, collname VARCHAR, collnamespace INTEGER, collowner INTEGER, collprovider VARCHAR, collisdeterministic BOOLEAN, collencoding INTEGER, collcollate VARCHAR, collctype VARCHAR',
  pg_constraint:
    'oid INTEGER, conname VARCHAR, connamespace INTEGER, contype VARCHAR, condeferrable BOOLEAN, condeferred BOOLEAN, convalidated BOOLEAN, conrelid INTEGER, contypid INTEGER, conindid INTEGER, conparentid INTEGER, confrelid INTEGER, confupdtype VARCHAR, confdeltype VARCHAR, confmatchtype VARCHAR, conislocal BOOLEAN, coninhcount INTEGER, connoinherit BOOLEAN, conkey INTEGER[], confkey INTEGER[], conbin VARCHAR',
  pg_index:
    'indexrelid INTEGER, indrelid INTEGER, indnatts INTEGER, indnkeyatts INTEGER, indisunique BOOLEAN, indisprimary BOOLEAN, indisexclusion BOOLEAN, indimmediate BOOLEAN, indisclustered BOOLEAN, indisvalid BOOLEAN, indcheckxmin BOOLEAN, indisready BOOLEAN, indislive BOOLEAN, indisreplident BOOLEAN, indkey INTEGER[], indcollation INTEGER[], indclass INTEGER[], indoption INTEGER[], indexprs VARCHAR, indpred VARCHAR',
  pg_inherits: 'inhrelid INTEGER, inhparent INTEGER, inhseqno INTEGER, inhdetachpending BOOLEAN',
  pg_policy:
    'oid INTEGER, polname VARCHAR, polrelid INTEGER, polcmd VARCHAR, polpermissive BOOLEAN, polroles INTEGER[], polqual VARCHAR, polwithcheck VARCHAR',
  pg_statistic_ext:
    'oid INTEGER, stxrelid INTEGER, stxname VARCHAR, stxnamespace INTEGER, stxowner INTEGER, stxstattarget INTEGER, stxkeys INTEGER[], stxkind VARCHAR[], stxexprs VARCHAR',
  pg_publication:
    'oid INTEGER, pubname VARCHAR, pubowner INTEGER, puballtables BOOLEAN, pubinsert BOOLEAN, pubupdate BOOLEAN, pubdelete BOOLEAN, pubtruncate BOOLEAN, pubviaroot BOOLEAN',
  pg_publication_namespace: 'oid INTEGER, pnpubid INTEGER, pnnspid INTEGER',
  pg_publication_rel:
    'oid INTEGER, prpubid INTEGER, prrelid INTEGER, prqual VARCHAR, prattrs INTEGER[]',
  pg_description: 'objoid INTEGER, classoid INTEGER, objsubid INTEGER, description VARCHAR',
  pg_shdescription: 'objoid INTEGER, classoid INTEGER, description VARCHAR',
  pg_proc:
    'oid INTEGER, proname VARCHAR, pronamespace INTEGER, proowner INTEGER, prolang INTEGER, prokind VARCHAR, prorettype INTEGER, proargtypes INTEGER[], proargnames VARCHAR[], proretset BOOLEAN',
  pg_views: 'schemaname VARCHAR, viewname VARCHAR, viewowner VARCHAR, definition VARCHAR',
  pg_matviews: 'schemaname VARCHAR, matviewname VARCHAR, matviewowner VARCHAR, definition VARCHAR',
  pg_sequence: 'seqrelid INTEGER, seqtypid INTEGER',
  pg_enum: 'oid INTEGER, enumtypid INTEGER, enumsortorder DOUBLE, enumlabel VARCHAR',
  pg_extension:
    'oid INTEGER, extname VARCHAR, extowner INTEGER, extnamespace INTEGER, extversion VARCHAR',
  pg_foreign_table: 'ftrelid INTEGER, ftserver INTEGER',
  pg_trigger:
    'oid INTEGER, tgrelid INTEGER, tgname VARCHAR, tgisinternal BOOLEAN, tgenabled VARCHAR',
  pg_rewrite: 'oid INTEGER, rulename VARCHAR, ev_class INTEGER, ev_type VARCHAR',
  pg_stat_user_tables:
    'relid INTEGER, schemaname VARCHAR, relname VARCHAR, n_live_tup BIGINT, n_dead_tup BIGINT, seq_scan BIGINT',
  information_schema_table_constraints:
    'constraint_catalog VARCHAR, constraint_schema VARCHAR, constraint_name VARCHAR, table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, constraint_type VARCHAR',
  information_schema_key_column_usage:
    'constraint_catalog VARCHAR, constraint_schema VARCHAR, constraint_name VARCHAR, table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR, ordinal_position INTEGER',
  information_schema_constraint_column_usage:
    'table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR, constraint_catalog VARCHAR, constraint_schema VARCHAR, constraint_name VARCHAR',
  information_schema_referential_constraints:
    'constraint_catalog VARCHAR, constraint_schema VARCHAR, constraint_name VARCHAR, unique_constraint_schema VARCHAR, unique_constraint_name VARCHAR, update_rule VARCHAR, delete_rule VARCHAR',
  pg_depend:
    'classid INTEGER, objid INTEGER, objsubid INTEGER, refclassid INTEGER, refobjid INTEGER, refobjsubid INTEGER, deptype VARCHAR',
};

/** Catalog macros: the PostgreSQL functions psql and drivers call. */
function macros(spec: CatalogSpec): string[] {
  const version = `PostgreSQL ${SERVER_VERSION} (Faresight SQL endpoint; DuckDB engine) on x86_64-pc-linux-gnu, 64-bit`;
  const formatType = Object.entries(TYPES)
    .map(([oid, t]) => `WHEN ${oid} THEN ${lit(t[1])}`)
    .join(' ');
  return [
    `CREATE MACRO version() AS ${lit(version)}`,
    `CREATE MACRO current_database() AS ${lit(spec.database)}`,
    `CREATE MACRO current_catalog() AS ${lit(spec.database)}`,
    `CREATE MACRO pg_get_userbyid(id) AS ${lit(spec.user)}`,
    `CREATE MACRO "current_user"() AS ${lit(spec.user)}`,
    `CREATE MACRO "session_user"() AS ${lit(spec.user)}`,
    `CREATE MACRO "current_role"() AS ${lit(spec.user)}`,
    'CREATE MACRO pg_table_is_visible(id) AS true',
    'CREATE MACRO pg_type_is_visible(id) AS true',
    `CREATE MACRO pg_encoding_to_char(e) AS 'UTF8'`,
    `CREATE MACRO format_type(t, m) AS CASE WHEN t = 1700 AND m >= 4 THEN 'numeric(' || ((m - 4) >> 16) || ',' || ((m - 4) & 65535) || ')' ELSE CASE t ${formatType} ELSE 'text' END END`,
    'CREATE MACRO pg_get_expr(e, r) AS CAST(NULL AS VARCHAR), (e, r, p) AS CAST(NULL AS VARCHAR)',
    'CREATE MACRO pg_get_indexdef(i) AS CAST(NULL AS VARCHAR), (i, c, p) AS CAST(NULL AS VARCHAR)',
    'CREATE MACRO pg_get_constraintdef(c) AS CAST(NULL AS VARCHAR), (c, p) AS CAST(NULL AS VARCHAR)',
    'CREATE MACRO pg_get_viewdef(v) AS CAST(NULL AS VARCHAR), (v, p) AS CAST(NULL AS VARCHAR)',
    'CREATE MACRO pg_get_statisticsobjdef_columns(o) AS CAST(NULL AS VARCHAR)',
    'CREATE MACRO pg_relation_is_publishable(r) AS false',
    'CREATE MACRO obj_description(o) AS CAST(NULL AS VARCHAR), (o, c) AS CAST(NULL AS VARCHAR)',
    'CREATE MACRO col_description(o, n) AS CAST(NULL AS VARCHAR)',
    'CREATE MACRO shobj_description(o, c) AS CAST(NULL AS VARCHAR)',
    'CREATE MACRO has_table_privilege(a, b) AS true, (a, b, c) AS true',
    'CREATE MACRO has_schema_privilege(a, b) AS true, (a, b, c) AS true',
    'CREATE MACRO has_database_privilege(a, b) AS true, (a, b, c) AS true',
    'CREATE MACRO has_column_privilege(a, b, c) AS true, (a, b, c, d) AS true',
    'CREATE MACRO pg_has_role(a, b) AS false, (a, b, c) AS false',
    'CREATE MACRO pg_is_in_recovery() AS false',
    'CREATE MACRO pg_backend_pid() AS 0',
    'CREATE MACRO array_upper(a, d) AS len(a)',
    'CREATE MACRO array_lower(a, d) AS CASE WHEN len(a) > 0 THEN 1 END',
    'CREATE MACRO pg_total_relation_size(r) AS 0',
    'CREATE MACRO pg_relation_size(r) AS 0',
    'CREATE MACRO pg_get_serial_sequence(t, c) AS CAST(NULL AS VARCHAR)',
    'CREATE MACRO pg_get_partkeydef(r) AS CAST(NULL AS VARCHAR)',
    "CREATE MACRO pg_postmaster_start_time() AS TIMESTAMPTZ '2000-01-01 00:00:00+00'",
    'CREATE MACRO txid_current() AS 1',
    // psql and pgjdbc cast to these; the catalog's oids are integers.
    'CREATE TYPE regclass AS INTEGER',
    'CREATE TYPE regtype AS INTEGER',
    'CREATE TYPE regnamespace AS INTEGER',
    'CREATE TYPE regproc AS VARCHAR',
    'CREATE TYPE regprocedure AS VARCHAR',
  ];
}

/** PostgreSQL's type modifier of a DuckDB type (numeric precision and scale), else -1. */
function typmod(duckType: string): number {
  const m = /^DECIMAL\((\d+),\s*(\d+)\)$/i.exec(duckType);
  return m ? ((Number(m[1]) << 16) | Number(m[2])) + 4 : -1;
}

function values(rows: readonly (readonly (string | number | boolean | null)[])[]): string {
  return rows
    .map(
      (r) =>
        `(${r.map((v) => (typeof v === 'string' || v === null ? lit(v) : String(v))).join(', ')})`,
    )
    .join(', ');
}

/** The statements that build the catalog of `spec`. */
export function catalogStatements(spec: CatalogSpec): string[] {
  const rels = spec.relations.map((r, i) => ({ ...r, oid: FIRST_RELATION_OID + i * 2 }));
  const out: string[] = [];
  out.push(
    `CREATE TABLE pg_namespace AS SELECT * FROM (VALUES ${values([
      [PG_CATALOG, 'pg_catalog', OWNER],
      [MAIN, 'main', OWNER],
      [INFORMATION_SCHEMA, 'information_schema', OWNER],
    ])}) t(oid, nspname, nspowner)`,
    'ALTER TABLE pg_namespace ADD COLUMN nspacl VARCHAR[]',
    `CREATE TABLE pg_am AS SELECT * FROM (VALUES (2, 'heap', 'heap_tableam_handler', 't'), (403, 'btree', 'bthandler', 'i')) t(oid, amname, amhandler, amtype)`,
    `CREATE TABLE pg_roles AS SELECT * FROM (VALUES ${values([[OWNER, spec.user]])}) t(oid, rolname)`,
    `ALTER TABLE pg_roles ADD COLUMN rolsuper BOOLEAN DEFAULT false`,
    `ALTER TABLE pg_roles ADD COLUMN rolcanlogin BOOLEAN DEFAULT true`,
    `CREATE TABLE pg_database AS SELECT * FROM (VALUES ${values([[16383, spec.database, OWNER, 6, 'c', false, true, -1, 'C', 'C']])}) t(oid, datname, datdba, encoding, datlocprovider, datistemplate, datallowconn, datconnlimit, datcollate, datctype)`,
    'ALTER TABLE pg_database ADD COLUMN daticulocale VARCHAR',
    'ALTER TABLE pg_database ADD COLUMN datlocale VARCHAR',
    'ALTER TABLE pg_database ADD COLUMN daticurules VARCHAR',
    'ALTER TABLE pg_database ADD COLUMN datacl VARCHAR[]',
    'ALTER TABLE pg_database ADD COLUMN dattablespace INTEGER DEFAULT 1663',
  );
  out.push(
    `CREATE TABLE pg_type AS SELECT * FROM (VALUES ${values(
      Object.entries(TYPES).map(([oid, [name, , len, cat]]) => [
        Number(oid),
        name,
        PG_CATALOG,
        OWNER,
        len,
        len > 0 && len <= 8,
        'b',
        cat,
        `${name}in`,
        0,
        0,
        -1,
        0,
        false,
        0,
        ',',
      ]),
    )}) t(oid, typname, typnamespace, typowner, typlen, typbyval, typtype, typcategory, typinput, typelem, typarray, typtypmod, typbasetype, typnotnull, typrelid, typdelim)`,
    'ALTER TABLE pg_type ADD COLUMN typcollation INTEGER DEFAULT 0',
    'ALTER TABLE pg_type ADD COLUMN typndims INTEGER DEFAULT 0',
    'ALTER TABLE pg_type ADD COLUMN typdefault VARCHAR',
  );
  const classRows = rels.map((r) => [
    r.oid,
    r.name,
    MAIN,
    r.oid + 1,
    OWNER,
    2,
    'r',
    r.columns.length,
  ]);
  out.push(
    `CREATE TABLE pg_class (oid INTEGER, relname VARCHAR, relnamespace INTEGER, reltype INTEGER, relowner INTEGER, relam INTEGER, relkind VARCHAR, relnatts INTEGER)`,
    ...(classRows.length ? [`INSERT INTO pg_class VALUES ${values(classRows)}`] : []),
    ...[
      'reloftype INTEGER DEFAULT 0',
      'relfilenode INTEGER DEFAULT 0',
      'reltablespace INTEGER DEFAULT 0',
      'relpages INTEGER DEFAULT 0',
      'reltuples FLOAT DEFAULT -1',
      'relallvisible INTEGER DEFAULT 0',
      'reltoastrelid INTEGER DEFAULT 0',
      'relhasindex BOOLEAN DEFAULT false',
      'relisshared BOOLEAN DEFAULT false',
      "relpersistence VARCHAR DEFAULT 'p'",
      'relchecks INTEGER DEFAULT 0',
      'relhasrules BOOLEAN DEFAULT false',
      'relhastriggers BOOLEAN DEFAULT false',
      'relhassubclass BOOLEAN DEFAULT false',
      'relrowsecurity BOOLEAN DEFAULT false',
      'relforcerowsecurity BOOLEAN DEFAULT false',
      'relispopulated BOOLEAN DEFAULT true',
      "relreplident VARCHAR DEFAULT 'd'",
      'relispartition BOOLEAN DEFAULT false',
      'relacl VARCHAR[]',
      'reloptions VARCHAR[]',
      'relpartbound VARCHAR',
    ].map((c) => `ALTER TABLE pg_class ADD COLUMN ${c}`),
  );
  const attRows = rels.flatMap((r) =>
    r.columns.map((c, i) => {
      const oid = typeOid(c.type);
      return [r.oid, c.name, oid, TYPES[oid]?.[2] ?? -1, i + 1, typmod(c.type)];
    }),
  );
  out.push(
    'CREATE TABLE pg_attribute (attrelid INTEGER, attname VARCHAR, atttypid INTEGER, attlen INTEGER, attnum INTEGER, atttypmod INTEGER)',
    ...(attRows.length ? [`INSERT INTO pg_attribute VALUES ${values(attRows)}`] : []),
    ...[
      'attstattarget INTEGER DEFAULT -1',
      'attndims INTEGER DEFAULT 0',
      'attbyval BOOLEAN DEFAULT false',
      "attstorage VARCHAR DEFAULT 'x'",
      "attalign VARCHAR DEFAULT 'i'",
      'attnotnull BOOLEAN DEFAULT false',
      'atthasdef BOOLEAN DEFAULT false',
      'atthasmissing BOOLEAN DEFAULT false',
      "attidentity VARCHAR DEFAULT ''",
      "attgenerated VARCHAR DEFAULT ''",
      'attisdropped BOOLEAN DEFAULT false',
      'attislocal BOOLEAN DEFAULT true',
      'attinhcount INTEGER DEFAULT 0',
      'attcollation INTEGER DEFAULT 0',
      'attacl VARCHAR[]',
      'attoptions VARCHAR[]',
    ].map((c) => `ALTER TABLE pg_attribute ADD COLUMN ${c}`),
  );
  for (const [name, cols] of Object.entries(EMPTY_TABLES))
    out.push(`CREATE TABLE ${name} (${cols})`);
  out.push(
    `CREATE VIEW pg_tables AS SELECT 'main' AS schemaname, relname AS tablename, ${lit(spec.user)} AS tableowner, CAST(NULL AS VARCHAR) AS tablespace, false AS hasindexes, false AS hasrules, false AS hastriggers, false AS rowsecurity FROM pg_class`,
    `CREATE VIEW pg_user AS SELECT rolname AS usename, oid AS usesysid, false AS usesuper FROM pg_roles`,
    `CREATE VIEW pg_settings AS SELECT * FROM (VALUES ('server_version', ${lit(SERVER_VERSION)}), ('max_identifier_length', '63'), ('standard_conforming_strings', 'on')) t(name, setting)`,
    `CREATE VIEW information_schema_schemata AS SELECT ${lit(spec.database)} AS catalog_name, nspname AS schema_name, ${lit(spec.user)} AS schema_owner FROM pg_namespace WHERE nspname = 'main'`,
    `CREATE VIEW information_schema_tables AS SELECT ${lit(spec.database)} AS table_catalog, 'main' AS table_schema, relname AS table_name, 'BASE TABLE' AS table_type, 'NO' AS is_insertable_into FROM pg_class`,
    `CREATE VIEW information_schema_columns AS SELECT ${lit(spec.database)} AS table_catalog, 'main' AS table_schema, c.relname AS table_name, a.attname AS column_name, a.attnum AS ordinal_position, CAST(NULL AS VARCHAR) AS column_default, 'YES' AS is_nullable, format_type(a.atttypid, 0) AS data_type, CASE WHEN a.atttypid = 1700 AND a.atttypmod >= 4 THEN (a.atttypmod - 4) >> 16 END AS numeric_precision, CASE WHEN a.atttypid = 1700 AND a.atttypmod >= 4 THEN (a.atttypmod - 4) & 65535 END AS numeric_scale, CAST(NULL AS INTEGER) AS character_maximum_length, ${lit(spec.database)} AS udt_catalog, 'pg_catalog' AS udt_schema, t.typname AS udt_name, 'NO' AS is_identity, CAST(NULL AS VARCHAR) AS identity_generation, 'NEVER' AS is_generated, CAST(NULL AS VARCHAR) AS generation_expression, 'NO' AS is_updatable FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid`,
    `CREATE VIEW information_schema_views AS SELECT * FROM pg_views WHERE false`,
  );
  out.push(...macros(spec));
  return out;
}

/** Relations a catalog query may read (besides its own CTEs). */
export const CATALOG_RELATIONS = new Set([
  'pg_namespace',
  'pg_am',
  'pg_roles',
  'pg_database',
  'pg_type',
  'pg_class',
  'pg_attribute',
  'pg_tables',
  'pg_user',
  'pg_settings',
  'information_schema_schemata',
  'information_schema_tables',
  'information_schema_columns',
  'information_schema_views',
  ...Object.keys(EMPTY_TABLES),
]);
