import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UnsupportedTypeError } from '../errors.js';
import { LAKE_TABLES, TABLE_COLUMNS } from '../tables.js';
import { hiveType } from './hive-type.js';

test('scalars, decimals, lists and nested structs map to Hive types', () => {
  assert.equal(hiveType('VARCHAR'), 'string');
  assert.equal(hiveType('INTEGER'), 'int');
  assert.equal(hiveType('BIGINT'), 'bigint');
  assert.equal(hiveType('DOUBLE'), 'double');
  assert.equal(hiveType('BOOLEAN'), 'boolean');
  assert.equal(hiveType('DATE'), 'date');
  assert.equal(hiveType('TIMESTAMP'), 'timestamp');
  assert.equal(hiveType('DECIMAL(18,3)'), 'decimal(18,3)');
  assert.equal(hiveType('VARCHAR[]'), 'array<string>');
  assert.equal(hiveType('INTEGER[][]'), 'array<array<int>>');
  assert.equal(
    hiveType('STRUCT("index" INTEGER, reason VARCHAR)[]'),
    'array<struct<index:int,reason:string>>',
  );
  assert.equal(
    hiveType('STRUCT(stops INTEGER, segments STRUCT(carrier VARCHAR, fare DECIMAL(18,3))[])[]'),
    'array<struct<stops:int,segments:array<struct<carrier:string,fare:decimal(18,3)>>>>',
  );
});

test('every lake column has a Hive type', () => {
  for (const t of LAKE_TABLES) for (const c of TABLE_COLUMNS[t]) assert.ok(hiveType(c.type));
});

test('an unknown or malformed type is a named error', () => {
  assert.throws(() => hiveType('GEOMETRY'), UnsupportedTypeError);
  assert.throws(() => hiveType('STRUCT(a VARCHAR'), /cannot map column type "STRUCT\(a VARCHAR"/);
  assert.throws(() => hiveType('VARCHAR junk'), /unexpected/);
});

/**
 * Every column type a pond's SQL can give DuckDB's Parquet writer: the expression, and
 * the Parquet physical type (or group kind) DuckDB stores it as.
 */
const POND_TYPES: readonly [expr: string, physical: string][] = [
  ['sum(1::INTEGER)', 'DOUBLE'], // HUGEINT: the `etl ddl` crash
  ['sum(1::UBIGINT)', 'DOUBLE'], // HUGEINT too
  ['1::UHUGEINT', 'DOUBLE'],
  ['1::TINYINT', 'INT32'],
  ['1::SMALLINT', 'INT32'],
  ['1::INTEGER', 'INT32'],
  ['count(*)', 'INT64'],
  ['1::UTINYINT', 'INT32'],
  ['1::USMALLINT', 'INT32'],
  ['1::UINTEGER', 'INT32'],
  ['1::UBIGINT', 'INT64'],
  ['1.5::FLOAT', 'FLOAT'],
  ['avg(1)', 'DOUBLE'],
  ['1.5::DECIMAL(18,3)', 'INT64'],
  ['1.5::DECIMAL(38,10)', 'FIXED_LEN_BYTE_ARRAY'],
  ['true', 'BOOLEAN'],
  ["'x'", 'BYTE_ARRAY'],
  ["'x'::BLOB", 'BYTE_ARRAY'],
  ["'{}'::JSON", 'BYTE_ARRAY'],
  ["'101'::BIT", 'BYTE_ARRAY'],
  ['1::VARINT', 'BYTE_ARRAY'],
  ["'a'::ENUM('a', 'b''c')", 'BYTE_ARRAY'],
  ["DATE '2026-12-20'", 'INT32'],
  ["TIMESTAMP '2026-12-20 10:00:00'", 'INT64'],
  ["TIMESTAMPTZ '2026-12-20 10:00:00+00'", 'INT64'],
  ["'2026-12-20 10:00:00'::TIMESTAMP_S", 'INT64'],
  ["'2026-12-20 10:00:00'::TIMESTAMP_MS", 'INT64'],
  ["'2026-12-20 10:00:00'::TIMESTAMP_NS", 'INT64'],
  ['[1, 2]', 'LIST'],
  ['[1, 2]::INTEGER[2]', 'LIST'],
  ["{'a': 1, 'b': 'x'}", 'STRUCT'],
  ["MAP {'a': 1}", 'MAP'],
  ["[{'a': [1.5::DECIMAL(9,2)]}]", 'LIST'],
];

/** DuckDB types with no Hive type that reads DuckDB's Parquet encoding of them. */
const UNREADABLE = ["TIME '10:00'", "'10:00:00+01'::TIMETZ", 'INTERVAL 1 DAY', 'uuid()'];

/** The Parquet physical types each Hive scalar reads. */
const READS: Record<string, readonly string[]> = {
  string: ['BYTE_ARRAY'],
  binary: ['BYTE_ARRAY'],
  boolean: ['BOOLEAN'],
  tinyint: ['INT32'],
  smallint: ['INT32'],
  int: ['INT32'],
  bigint: ['INT32', 'INT64'],
  float: ['FLOAT'],
  double: ['DOUBLE'],
  date: ['INT32'],
  timestamp: ['INT64'],
  decimal: ['INT32', 'INT64', 'FIXED_LEN_BYTE_ARRAY'],
};

test('every type a pond can hold maps to the Hive type that reads what DuckDB wrote', async (t) => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const dir = await mkdtemp(join(tmpdir(), 'hive-type-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  t.after(() => {
    conn.closeSync();
    db.closeSync();
  });
  const select = POND_TYPES.map(([e], i) => `${e} AS c${i}`).join(', ');
  const file = join(dir, 'all.parquet');
  await conn.run(`COPY (SELECT ${select}) TO '${file}' (FORMAT parquet)`);
  const described = (await conn.runAndReadAll(`DESCRIBE (SELECT ${select})`)).getRowObjects();
  const schema = (
    await conn.runAndReadAll(`SELECT name, type, converted_type FROM parquet_schema('${file}')`)
  ).getRowObjects();
  for (const [i, [expr, physical]] of POND_TYPES.entries()) {
    const duck = String(described[i]?.column_type);
    const hive = hiveType(duck);
    const col = schema.find((s) => s.name === `c${i}`);
    const stored = col?.type ? String(col.type) : String(col?.converted_type ?? 'STRUCT');
    assert.equal(stored, physical, `${expr} (${duck}) is stored as ${stored}`);
    const kind = /^(\w+)/.exec(hive)?.[1] ?? hive;
    if (kind === 'array') assert.equal(physical, 'LIST', `${expr}: ${hive}`);
    else if (kind === 'map') assert.equal(physical, 'MAP', `${expr}: ${hive}`);
    else if (kind === 'struct') assert.equal(physical, 'STRUCT', `${expr}: ${hive}`);
    else
      assert.ok(READS[kind]?.includes(physical), `${expr} (${duck}) -> ${hive} reads ${physical}`);
  }
  for (const expr of UNREADABLE) {
    const duck = String(
      (await conn.runAndReadAll(`DESCRIBE (SELECT ${expr} AS c)`)).getRowObjects()[0]?.column_type,
    );
    assert.throws(() => hiveType(duck), /cast it to VARCHAR/, `${expr} (${duck})`);
  }
});
