import {
  createDuckDBValueConverter,
  DuckDBDecimalValue,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  type Json,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';

/** A number when it converts exactly, else its decimal string. */
function integerFromValue(value: DuckDBValue): number | string {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (typeof value === 'number') return value;
  return String(value);
}

/** A number when it has at most 15 significant digits (exact in a double), else a string. */
function decimalFromValue(value: DuckDBValue): number | string {
  const s = value instanceof DuckDBDecimalValue ? value.toString() : String(value);
  const digits = s.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length;
  return digits <= 15 ? Number(s) : s;
}

/** ISO 8601 in UTC with a `Z`; values outside Date's range keep DuckDB's text. */
function isoFromMicros(micros: bigint, fallback: string): string {
  const ms = Number(micros / 1000n);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? fallback : d.toISOString();
}

/** TIMESTAMP and TIMESTAMPTZ both carry microseconds since the epoch (UTC). */
function timestampFromValue(value: DuckDBValue): string {
  const micros = (value as { micros?: unknown }).micros;
  return typeof micros === 'bigint' ? isoFromMicros(micros, String(value)) : String(value);
}

type Converters = Parameters<typeof createDuckDBValueConverter<Json>>[0];

const base: DuckDBValueConverter<Json> = JsonDuckDBValueConverter;
const convertersByTypeId = {} as Converters;
for (const id of Object.values(DuckDBTypeId)) {
  if (typeof id === 'number') convertersByTypeId[id as DuckDBTypeId] = base;
}
for (const id of [
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]) {
  convertersByTypeId[id] = integerFromValue;
}
convertersByTypeId[DuckDBTypeId.DECIMAL] = decimalFromValue;
convertersByTypeId[DuckDBTypeId.TIMESTAMP] = timestampFromValue;
convertersByTypeId[DuckDBTypeId.TIMESTAMP_TZ] = timestampFromValue;

/**
 * DuckDB values to plain JSON values: BIGINT as a number when safe else a string,
 * DECIMAL as a number when exact else a string, TIMESTAMP as ISO 8601 UTC, DATE as
 * `YYYY-MM-DD`, LIST and STRUCT as arrays and objects; the rest as DuckDB's JSON mapping.
 */
export const jsonValueConverter: DuckDBValueConverter<Json> =
  createDuckDBValueConverter(convertersByTypeId);
