/**
 * DuckDB column types (as TABLE_COLUMNS spells them) in the Hive dialect that Athena and
 * Glue use: `VARCHAR` -> `string`, `X[]` -> `array<x>`, `STRUCT(a T, ...)` ->
 * `struct<a:t,...>`, `DECIMAL(p,s)` -> `decimal(p,s)`, and the scalar types.
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
};

/** Parses one DuckDB type at `s[i]`; returns the Hive type and the index after it. */
function parse(s: string, i: number, whole: string): [string, number] {
  const skip = () => {
    while (s[i] === ' ') i++;
  };
  skip();
  const word = /^[A-Za-z_]+/.exec(s.slice(i))?.[0];
  if (!word) throw new UnsupportedTypeError(whole, `expected a type at offset ${i}`);
  i += word.length;
  const upper = word.toUpperCase();
  let hive: string;
  if (upper === 'STRUCT') {
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
  while (s.startsWith('[]', i)) {
    hive = `array<${hive}>`;
    i += 2;
  }
  return [hive, i];
}

/** The Hive type of DuckDB type `type`. Throws UnsupportedTypeError. */
export function hiveType(type: string): string {
  const [hive, end] = parse(type, 0, type);
  if (type.slice(end).trim() !== '')
    throw new UnsupportedTypeError(type, `unexpected "${type.slice(end)}"`);
  return hive;
}
