/**
 * Athena / Glue DDL of a pond or customer table from the pond catalog (etl_tables), in
 * the same shape as the lake tables' DDL (src/lake/catalog/table-ddl.ts): Parquet,
 * Hive-partitioned by the pond's date column with partition projection, so Athena, Trino,
 * Spark or Redshift Spectrum read the pond in place.
 */
import { hiveType } from '../lake/catalog/hive-type.js';
import type { CatalogTable } from './etl-store.js';

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * `CREATE EXTERNAL TABLE` of `table` at `<baseLocation>/<table.location>/` in `database`
 * (default `faresight`; the table is named after the pond, `customer_<c>_<t>` for a
 * customer table). Throws UnsupportedTypeError for a column type Hive cannot spell.
 */
export function pondDdl(table: CatalogTable, baseLocation: string, database = 'faresight'): string {
  const name =
    table.kind === 'pond'
      ? table.name
      : table.location.replaceAll('/', '_').replace(/^customers_/, 'customer_');
  const cols = table.columns
    .filter((c) => c.name !== table.partitionColumn)
    .map((c) => `  \`${c.name}\` ${hiveType(c.type)}`);
  const location = `${baseLocation.replace(/\/+$/, '')}/${table.location}/`;
  const lines = [
    `CREATE EXTERNAL TABLE IF NOT EXISTS \`${database}\`.\`${name}\` (`,
    cols.join(',\n'),
    ')',
  ];
  if (table.partitionColumn) lines.push(`PARTITIONED BY (\`${table.partitionColumn}\` string)`);
  lines.push(
    'STORED AS PARQUET',
    `LOCATION ${q(location)}`,
    'TBLPROPERTIES (',
    `  'parquet.compression'='ZSTD'`,
  );
  if (table.partitionColumn)
    lines.push(
      `  ,'projection.enabled'='true'`,
      `  ,${q(`projection.${table.partitionColumn}.type`)}='date'`,
      `  ,${q(`projection.${table.partitionColumn}.format`)}='yyyy-MM-dd'`,
      `  ,${q(`projection.${table.partitionColumn}.range`)}='2020-01-01,NOW'`,
      `  ,${q(`projection.${table.partitionColumn}.interval`)}='1'`,
      `  ,${q(`projection.${table.partitionColumn}.interval.unit`)}='DAYS'`,
    );
  lines.push(');');
  return lines.join('\n');
}
