/**
 * DuckDB column types (as TABLE_COLUMNS and DESCRIBE spell them) in the Hive dialect that
 * Athena and Glue use: `VARCHAR` -> `string`, `X[]` and `X[n]` -> `array<x>`,
 * `STRUCT(a T, ...)` -> `struct<a:t,...>`, `MAP(K, V)` -> `map<k,v>`, `DECIMAL(p,s)` ->
 * `decimal(p,s)`, and the scalar types. Each scalar maps to the Hive type that reads
 * what DuckDB's Parquet writer stores for it: HUGEINT (a `sum()` of integers) and
 * UHUGEINT are written as DOUBLE, BIT and VARINT as strings, unsigned integers as the
 * next wider signed type. TIME, INTERVAL, UUID and UNION have no Hive type that reads
 * DuckDB's Parquet encoding of them: the ETL casts them to VARCHAR before writing a pond.
 */
import { UnsupportedTypeError } from '../errors.js';

const SCALARS: Record<string, string> = {
  VARCHAR: 'string',
  BOOLEAN: 'boolean',
  TINYINT: 'tinyint',
  SMALLINT: 'smallint',
  INTEGER: 'int',
  BIGINT: 'bigint',
  FLOAT: 'float',
  DOUBLE: 'double',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  BLOB: 'binary',
  // What DuckDB's Parquet writer stores for these (hive-type.test.ts writes each and
  // checks the file's physical type).
  HUGEINT: 'double',
  UHUGEINT: 'double',
  UTINYINT: 'smallint',
  USMALLINT: 'int',
  UINTEGER: 'bigint',
  UBIGINT: 'decimal(20,0)',
  REAL: 'float',
  JSON: 'string',
  BIT: 'string',
  VARINT: 'string',
  BIGNUM: 'string',
  TIMESTAMP_S: 'timestamp',
  TIMESTAMP_MS: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
  TIMESTAMPTZ: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamp',
};

/** Types of more than one word, matched before single words. */
const MULTI_WORD: readonly RegExp[] = [/^TIMESTAMP WITH TIME ZONE\b/i, /^TIME WITH TIME ZONE\b/i];

/** DuckDB types Hive cannot read as DuckDB writes them; the ETL casts these to VARCHAR. */
export const HIVE_UNREADABLE_TYPES: ReadonlySet<string> = new Set([
  'TIME',
  'TIME WITH TIME ZONE',
  'TIMETZ',
  'INTERVAL',
  'UUID',
  'UNION',
]);

/** Parses one DuckDB type at `s[i]`; returns the Hive type and the index after it. */
function parse(s: string, i: number, whole: string): [string, number] {
  const skip = () => {
    while (s[i] === ' ') i++;
  };
  skip();
  const rest = s.slice(i);
  const word = (MULTI_WORD.find((re) => re.test(rest)) ?? /^[A-Za-z_][A-Za-z0-9_]*/).exec(
    rest,
  )?.[0];
  if (!word) throw new UnsupportedTypeError(whole, `expected a type at offset ${i}`);
  i += word.length;
  const upper = word.toUpperCase();
  let hive: string;
  if (HIVE_UNREADABLE_TYPES.has(upper))
    throw new UnsupportedTypeError(
      whole,
      `Hive cannot read DuckDB's Parquet encoding of ${upper}; cast it to VARCHAR`,
      true,
    );
  if (upper === 'ENUM') {
    // ENUM('a', 'b'): DuckDB writes the labels as strings.
    const end = enumEnd(s, i);
    if (end < 0) throw new UnsupportedTypeError(whole, 'ENUM without its labels');
    i = end;
    hive = 'string';
  } else if (upper === 'MAP') {
    if (s[i] !== '(') throw new UnsupportedTypeError(whole, 'MAP without key and value types');
    const [k, afterKey] = parse(s, i + 1, whole);
    i = afterKey;
    while (s[i] === ' ') i++;
    if (s[i] !== ',') throw new UnsupportedTypeError(whole, `expected "," at offset ${i}`);
    const [v, afterValue] = parse(s, i + 1, whole);
    i = afterValue;
    while (s[i] === ' ') i++;
    if (s[i] !== ')') throw new UnsupportedTypeError(whole, `expected ")" at offset ${i}`);
    i++;
    hive = `map<${k},${v}>`;
  } else if (upper === 'STRUCT') {
    if (s[i] !== '(') throw new UnsupportedTypeError(whole, 'STRUCT without fields');
    i++;
    const fields: string[] = [];
    for (;;) {
      skip();
      const m = /^"([^"]+)"|^([A-Za-z_][A-Za-z0-9_]*)/.exec(s.slice(i));
      if (!m) throw new UnsupportedTypeError(whole, `expected a field name at offset ${i}`);
      i += m[0].length;
      const [t, next] = parse(s, i, whole);
      i = next;
      fields.push(`${m[1] ?? m[2]}:${t}`);
      skip();
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === ')') {
        i++;
        break;
      }
      throw new UnsupportedTypeError(whole, `expected "," or ")" at offset ${i}`);
    }
    hive = `struct<${fields.join(',')}>`;
  } else if (upper === 'DECIMAL') {
    const m = /^\((\d+),\s*(\d+)\)/.exec(s.slice(i));
    if (!m) throw new UnsupportedTypeError(whole, 'DECIMAL needs (precision,scale)');
    i += m[0].length;
    hive = `decimal(${m[1]},${m[2]})`;
  } else {
    const scalar = SCALARS[upper];
    if (!scalar) throw new UnsupportedTypeError(whole, `no Hive type for ${word}`);
    hive = scalar;
  }
  for (let m = /^\[\d*\]/.exec(s.slice(i)); m; m = /^\[\d*\]/.exec(s.slice(i))) {
    hive = `array<${hive}>`;
    i += m[0].length;
  }
  return [hive, i];
}

/** Index after the closing parenthesis of `('a', 'b''c')` starting at `s[i]`, or -1. */
function enumEnd(s: string, i: number): number {
  if (s[i] !== '(') return -1;
  let inString = false;
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === "'") {
      if (inString && s[j + 1] === "'") j++;
      else inString = !inString;
    } else if (!inString && s[j] === ')') return j + 1;
  }
  return -1;
}

/** The Hive type of DuckDB type `type`. Throws UnsupportedTypeError. */
export function hiveType(type: string): string {
  const [hive, end] = parse(type, 0, type);
  if (type.slice(end).trim() !== '')
    throw new UnsupportedTypeError(type, `unexpected "${type.slice(end)}"`);
  return hive;
}

/** True when a column of DuckDB type `type` must be cast to VARCHAR for Hive to read it. */
export function needsVarcharForHive(type: string): boolean {
  try {
    hiveType(type);
    return false;
  } catch (err) {
    return err instanceof UnsupportedTypeError && err.castable;
  }
}
