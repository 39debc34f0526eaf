/**
 * What other engines need to read a lake table in place: Athena `CREATE EXTERNAL TABLE`
 * DDL and the Glue `TableInput` (for `aws glue create-table --table-input`), both with
 * partition projection so that no partition ever has to be registered.
 */
import type { LakeTable } from '../tables.js';
import type { Catalog } from './catalog.js';
import { hiveType } from './hive-type.js';

/** Options of the DDL builders. */
export interface DdlOptions {
  /**
   * Lake root as engines address it, without trailing slash: `s3://bucket/prefix` or
   * `file:///path/to/lake`. A table lives at `<base>/<table>/`.
   */
  readonly baseLocation: string;
  /** Database (Glue) the table goes in; default `faresight`. */
  readonly database?: string;
  /** Date the projection of `dt` starts at (`YYYY-MM-DD`); default the first partition, else today. */
  readonly today?: string;
}

/** The Hive partition keys: all strings, as they appear in the path. */
const PARTITION_KEYS = ['vendor', 'dt', 'hour'] as const;

/** Location of `table` under `base` (ending in `/`). */
export function tableLocation(base: string, table: LakeTable): string {
  return `${base.replace(/\/+$/, '')}/${table}/`;
}

/** Partition projection properties of `table`: vendor enum from the catalog, dt from its first day, hour 00-23. */
export function projectionProperties(
  catalog: Catalog,
  table: LakeTable,
  options: DdlOptions,
): Record<string, string> {
  const partitions = catalog.table(table).partitions;
  const vendors = [...new Set(partitions.map((p) => /^vendor=([^/]+)/.exec(p)?.[1]))]
    .filter((v): v is string => v !== undefined)
    .sort();
  const days = partitions
    .map((p) => /dt=(\d{4}-\d{2}-\d{2})/.exec(p)?.[1])
    .filter(Boolean)
    .sort();
  const first = days[0] ?? options.today ?? new Date().toISOString().slice(0, 10);
  return {
    'projection.enabled': 'true',
    'projection.vendor.type': 'enum',
    // An enum needs a value; re-run the DDL when a vendor appears.
    'projection.vendor.values': (vendors.length > 0 ? vendors : ['generic']).join(','),
    'projection.dt.type': 'date',
    'projection.dt.range': `${first},NOW`,
    'projection.dt.format': 'yyyy-MM-dd',
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'DAYS',
    'projection.hour.type': 'integer',
    'projection.hour.range': '0,23',
    'projection.hour.digits': '2',
    'storage.location.template': `${tableLocation(options.baseLocation, table)}vendor=\${vendor}/dt=\${dt}/hour=\${hour}/`,
  };
}

/** Columns of `table` in Hive types: every column any schema version has had (files are read by name). */
export function hiveColumns(catalog: Catalog, table: LakeTable): { name: string; type: string }[] {
  return catalog.allColumns(table).map((c) => ({ name: c.name, type: hiveType(c.type) }));
}

function quote(s: string): string {
  return `'${s.replaceAll("'", "\\'")}'`;
}

/** Athena DDL of `table`: `CREATE EXTERNAL TABLE IF NOT EXISTS ... STORED AS PARQUET ...;`. */
export function athenaDdl(catalog: Catalog, table: LakeTable, options: DdlOptions): string {
  const db = options.database ?? 'faresight';
  const cols = hiveColumns(catalog, table).map((c) => `  \`${c.name}\` ${c.type}`);
  const props = {
    'parquet.compression': 'ZSTD',
    ...projectionProperties(catalog, table, options),
  };
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS \`${db}\`.\`${table}\` (`,
    cols.join(',\n'),
    ')',
    `PARTITIONED BY (${PARTITION_KEYS.map((k) => `\`${k}\` string`).join(', ')})`,
    'STORED AS PARQUET',
    `LOCATION ${quote(tableLocation(options.baseLocation, table))}`,
    'TBLPROPERTIES (',
    Object.entries(props)
      .map(([k, v]) => `  ${quote(k)}=${quote(v)}`)
      .join(',\n'),
    ');',
  ].join('\n');
}

/** Glue `TableInput` of `table` (the argument of `aws glue create-table --table-input`). */
export function glueTableInput(catalog: Catalog, table: LakeTable, options: DdlOptions): object {
  const current = catalog.table(table).versions.at(-1)!;
  return {
    Name: table,
    Description: `Faresight lake table ${table} (schema version ${current.version})`,
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      'parquet.compression': 'ZSTD',
      'faresight.schema.version': String(current.version),
      ...projectionProperties(catalog, table, options),
    },
    PartitionKeys: PARTITION_KEYS.map((k) => ({ Name: k, Type: 'string' })),
    StorageDescriptor: {
      Columns: hiveColumns(catalog, table).map((c) => ({ Name: c.name, Type: c.type })),
      Location: tableLocation(options.baseLocation, table),
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      Compressed: true,
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        Parameters: { 'serialization.format': '1' },
      },
    },
  };
}
