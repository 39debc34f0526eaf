/**
 * Parameters of the extended query protocol, bound into the statement text as typed SQL
 * literals. The customer session takes SQL text only and checks the statement it will
 * run, so binding in the text keeps that one check authoritative: a value can only ever
 * become a quoted literal, never SQL.
 */

import { tokenize } from './sql-tokens.js';
import { SqlParameterError } from './wire-errors.js';

/** DuckDB type a literal is cast to, by PostgreSQL type oid; absent = an untyped string literal. */
const CAST: Readonly<Record<number, string>> = {
  16: 'BOOLEAN',
  20: 'BIGINT',
  21: 'SMALLINT',
  23: 'INTEGER',
  26: 'BIGINT',
  700: 'FLOAT',
  701: 'DOUBLE',
  1082: 'DATE',
  1114: 'TIMESTAMP',
  1184: 'TIMESTAMPTZ',
};

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** The text form of a parameter sent in binary format, for the types drivers send that way. */
function fromBinary(value: Buffer, oid: number, index: number): string {
  const size = (n: number) => {
    if (value.length !== n)
      throw new SqlParameterError(
        `parameter $${index} has ${value.length} bytes; type oid ${oid} in binary format needs ${n}`,
      );
  };
  switch (oid) {
    case 16:
      size(1);
      return value[0] ? 'true' : 'false';
    case 21:
      size(2);
      return String(value.readInt16BE());
    case 23:
      size(4);
      return String(value.readInt32BE());
    case 20:
    case 26:
      size(8);
      return value.readBigInt64BE().toString();
    case 700:
      size(4);
      return String(value.readFloatBE());
    case 701:
      size(8);
      return String(value.readDoubleBE());
    case 1082:
      size(4);
      return new Date(PG_EPOCH_MS + value.readInt32BE() * 86_400_000).toISOString().slice(0, 10);
    case 1114:
    case 1184: {
      size(8);
      const micros = value.readBigInt64BE();
      const ms = Number(micros / 1000n);
      const frac = String(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, '0');
      return `${new Date(PG_EPOCH_MS + ms).toISOString().slice(0, 19).replace('T', ' ')}.${frac}${oid === 1184 ? '+00' : ''}`;
    }
    case 0:
    case 25:
    case 1043:
    case 1042:
    case 19:
      return value.toString('utf8');
    default:
      throw new SqlParameterError(
        `parameter $${index}: binary format of type oid ${oid} is not supported; send it in text format`,
      );
  }
}

/** One parameter as the Bind message carries it. */
export interface BoundValue {
  /** null = SQL NULL. */
  readonly value: Buffer | null;
  /** 0 text, 1 binary. */
  readonly format: number;
  /** Type oid from Parse; 0 = unspecified. */
  readonly oid: number;
}

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The SQL literal for one parameter. Throws SqlParameterError for a value it cannot represent. */
export function parameterLiteral(p: BoundValue, index: number): string {
  if (p.value === null) return 'NULL';
  const text = p.format === 1 ? fromBinary(p.value, p.oid, index) : p.value.toString('utf8');
  if (text.includes('\0'))
    throw new SqlParameterError(`parameter $${index} contains a NUL character`);
  const cast = CAST[p.oid];
  return cast ? `CAST(${literal(text)} AS ${cast})` : literal(text);
}

/**
 * `sql` with every `$n` outside strings, identifiers and comments replaced by the literal
 * of parameter n. Throws SqlParameterError when a `$n` has no value.
 */
export function bindParameters(sql: string, params: readonly BoundValue[]): string {
  if (params.length === 0) return sql;
  const literals = params.map((p, i) => parameterLiteral(p, i + 1));
  return tokenize(sql)
    .map((t) => {
      if (t.kind !== 'param') return t.text;
      const n = Number(t.text.slice(1));
      const lit = literals[n - 1];
      if (lit === undefined)
        throw new SqlParameterError(
          `there is no parameter ${t.text}: the statement was bound with ${params.length}`,
        );
      return lit;
    })
    .join('');
}

/** The highest `$n` in `sql` (0 when none): how many parameters a statement takes. */
export function parameterCount(sql: string): number {
  let max = 0;
  for (const t of tokenize(sql))
    if (t.kind === 'param') max = Math.max(max, Number(t.text.slice(1)));
  return max;
}
