/**
 * Backend messages of the PostgreSQL wire protocol (v3) that pg-gateway does not write
 * itself: RowDescription, DataRow, CommandComplete, EmptyQueryResponse. Values go out in
 * text format; lists, structs and maps as JSON text.
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

/** RowDescription for `columns`. */
export function rowDescription(columns: readonly ResultColumn[]): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(2);
  n.writeInt16BE(columns.length);
  parts.push(n);
  for (const c of columns) {
    const f = Buffer.alloc(18);
    f.writeInt32BE(0, 0); // table oid
    f.writeInt16BE(0, 4); // column number
    f.writeInt32BE(typeOid(c.type), 6);
    f.writeInt16BE(-1, 10); // type size: variable
    f.writeInt32BE(-1, 12); // type modifier
    f.writeInt16BE(0, 16); // text format
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

/** DataRow of one row, in the order of `columns`. */
export function dataRow(columns: readonly ResultColumn[], row: Row): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(2);
  n.writeInt16BE(columns.length);
  parts.push(n);
  for (const c of columns) {
    const v = row[c.name];
    const len = Buffer.alloc(4);
    if (v === null || v === undefined) {
      len.writeInt32BE(-1);
      parts.push(len);
      continue;
    }
    const b = Buffer.from(text(v), 'utf8');
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
