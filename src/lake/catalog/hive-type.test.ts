import assert from 'node:assert/strict';
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
  assert.throws(() => hiveType('HUGEINT'), UnsupportedTypeError);
  assert.throws(() => hiveType('STRUCT(a VARCHAR'), /cannot map column type "STRUCT\(a VARCHAR"/);
  assert.throws(() => hiveType('VARCHAR junk'), /unexpected/);
});
