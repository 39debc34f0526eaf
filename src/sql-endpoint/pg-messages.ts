/**
 * Backend messages of the PostgreSQL wire protocol (v3) that pg-gateway does not write
 * itself: RowDescription, DataRow, CommandComplete, EmptyQueryResponse and the replies of
 * the extended query protocol. Values go out in text format (lists, structs and maps as
 * JSON text), or in binary for the scalar types a client asks binary for.
 */
import type { ResultColumn, Row } from '../query/lake-query.js';

function message(code: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(code, 0, 'ascii');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);

/** PostgreSQL type oid for a DuckDB type name (text for anything without a close match). */
export function typeOid(duckType: string): number {
  const t = duckType.toUpperCase();
  if (t === 'BOOLEAN') return 16;
  if (t === 'BIGINT' || t === 'UBIGINT' || t === 'HUGEINT') return 20;
  if (t === 'SMALLINT' || t === 'TINYINT' || t === 'UTINYINT') return 21;
  if (t === 'INTEGER' || t === 'USMALLINT') return 23;
  if (t === 'FLOAT') return 700;
  if (t === 'DOUBLE') return 701;
  if (t.startsWith('DECIMAL')) return 1700;
  if (t === 'DATE') return 1082;
  if (t === 'TIMESTAMP') return 1114;
  if (t === 'TIMESTAMP WITH TIME ZONE') return 1184;
  return 25;
}

/**
 * The format of each result column from a Bind's result format codes: none = all text,
 * one = that format for all, else one per column.
 */
export function columnFormats(codes: readonly number[], count: number): number[] {
  if (codes.length === 0) return new Array(count).fill(0);
  if (codes.length === 1) return new Array(count).fill(codes[0]);
  return Array.from({ length: count }, (_, i) => codes[i] ?? 0);
}

/** RowDescription for `columns`; `formats` per column (default text). */
export function rowDescription(
  columns: readonly ResultColumn[],
  formats: readonly number[] = [],
): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(2);
  n.writeInt16BE(columns.length);
  parts.push(n);
  for (const [i, c] of columns.entries()) {
    const f = Buffer.alloc(18);
    f.writeInt32BE(0, 0); // table oid
    f.writeInt16BE(0, 4); // column number
    f.writeInt32BE(typeOid(c.type), 6);
    f.writeInt16BE(-1, 10); // type size: variable
    f.writeInt32BE(-1, 12); // type modifier
    f.writeInt16BE(formats[i] ?? 0, 16);
    parts.push(cstring(c.name), f);
  }
  return message('T', Buffer.concat(parts));
}

function text(v: unknown): string {
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'object') return JSON.stringify(v);
  const s = String(v);
  // Timestamps come as ISO instants; PostgreSQL's text form has a space and no Z.
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(s)
    ? s.replace('T', ' ').replace('Z', '')
    : s;
}

/** DataRow of one row, in the order of `columns`; `formats` per column (default text). */
export function dataRow(
  columns: readonly ResultColumn[],
  row: Row,
  formats: readonly number[] = [],
): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(2);
  n.writeInt16BE(columns.length);
  parts.push(n);
  for (const [i, c] of columns.entries()) {
    const v = row[c.name];
    const len = Buffer.alloc(4);
    if (v === null || v === undefined) {
      len.writeInt32BE(-1);
      parts.push(len);
      continue;
    }
    const b = formats[i] === 1 ? binary(typeOid(c.type), v) : Buffer.from(text(v), 'utf8');
    len.writeInt32BE(b.length);
    parts.push(len, b);
  }
  return message('D', Buffer.concat(parts));
}

/** CommandComplete with `tag` (`SELECT 3`). */
export function commandComplete(tag: string): Buffer {
  return message('C', cstring(tag));
}

/** EmptyQueryResponse, the answer to a query of only whitespace or comments. */
export function emptyQueryResponse(): Buffer {
  return message('I', Buffer.alloc(0));
}

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** NUMERIC in binary: base-10000 digits around the decimal point. */
function numericBinary(value: string): Buffer {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!m) {
    const nan = Buffer.alloc(8);
    nan.writeUInt16BE(0xc000, 4); // NaN
    return nan;
  }
  const [, sign, int = '', frac = ''] = m;
  const intDigits = int.replace(/^0+/, '');
  const padInt = intDigits.padStart(Math.ceil(intDigits.length / 4) * 4, '0');
  const padFrac = frac.padEnd(Math.ceil(frac.length / 4) * 4, '0');
  let digits: number[] = [];
  for (let i = 0; i < padInt.length; i += 4) digits.push(Number(padInt.slice(i, i + 4)));
  let weight = digits.length - 1;
  for (let i = 0; i < padFrac.length; i += 4) digits.push(Number(padFrac.slice(i, i + 4)));
  while (digits.length && digits[0] === 0) {
    digits = digits.slice(1);
    weight--;
  }
  while (digits.length && digits.at(-1) === 0) digits.pop();
  const out = Buffer.alloc(8 + digits.length * 2);
  out.writeInt16BE(digits.length, 0);
  out.writeInt16BE(digits.length ? weight : 0, 2);
  out.writeUInt16BE(sign === '-' && digits.length ? 0x4000 : 0, 4);
  out.writeInt16BE(frac.length, 6);
  for (const [i, d] of digits.entries()) out.writeInt16BE(d, 8 + i * 2);
  return out;
}

/** A value in the binary format of type `oid`; types without a binary encoder are sent as text (oid 25). */
function binary(oid: number, v: unknown): Buffer {
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  switch (oid) {
    case 16:
      return Buffer.from([v === true || s === 'true' ? 1 : 0]);
    case 21: {
      const b = Buffer.alloc(2);
      b.writeInt16BE(Number(s));
      return b;
    }
    case 23: {
      const b = Buffer.alloc(4);
      b.writeInt32BE(Number(s));
      return b;
    }
    case 20: {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt(s));
      return b;
    }
    case 700: {
      const b = Buffer.alloc(4);
      b.writeFloatBE(Number(s));
      return b;
    }
    case 701: {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(Number(s));
      return b;
    }
    case 1700:
      return numericBinary(s);
    case 1082: {
      const b = Buffer.alloc(4);
      b.writeInt32BE(
        Math.round((Date.parse(`${s.slice(0, 10)}T00:00:00Z`) - PG_EPOCH_MS) / 86_400_000),
      );
      return b;
    }
    case 1114:
    case 1184: {
      const iso = /Z$|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`;
      const ms = Date.parse(iso);
      const micros = /\.(\d{4,6})/.exec(s)?.[1]?.padEnd(6, '0').slice(3) ?? '0';
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt(ms - PG_EPOCH_MS) * 1000n + BigInt(micros));
      return b;
    }
    default:
      return Buffer.from(text(v), 'utf8');
  }
}

/** ParseComplete. */
export const parseComplete = (): Buffer => message('1', Buffer.alloc(0));
/** BindComplete. */
export const bindComplete = (): Buffer => message('2', Buffer.alloc(0));
/** CloseComplete. */
export const closeComplete = (): Buffer => message('3', Buffer.alloc(0));
/** NoData: the statement or portal returns no rows (a session command). */
export const noData = (): Buffer => message('n', Buffer.alloc(0));
/** PortalSuspended: Execute stopped at its row count; the portal can be executed again. */
export const portalSuspended = (): Buffer => message('s', Buffer.alloc(0));

/** ParameterDescription with the type oid of each parameter. */
export function parameterDescription(oids: readonly number[]): Buffer {
  const b = Buffer.alloc(2 + oids.length * 4);
  b.writeInt16BE(oids.length, 0);
  for (const [i, o] of oids.entries()) b.writeUInt32BE(o, 2 + i * 4);
  return message('t', b);
}
