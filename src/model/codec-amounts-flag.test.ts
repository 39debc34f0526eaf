import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro from 'avsc';
import fc from 'fast-check';
import {
  decodeRecord,
  encodeRecord,
  encodeRecordWithAvsc,
  RECORD_AVRO_SCHEMA_V1,
  RECORD_AVRO_SCHEMA_V2,
  RECORD_SCHEMA_VERSION,
} from './codec.js';
import type { ShoppingRecord } from './shopping-record.js';
import { shoppingRecordArb } from './testing/arbitraries.js';
import { validateRecord } from './validate.js';

function sample(): ShoppingRecord {
  const r = fc.sample(shoppingRecordArb, { numRuns: 1, seed: 16 })[0]!;
  const v = validateRecord(r);
  assert.ok(v.ok);
  return v.record;
}

describe('record codec, the amountsInconsistent flag (schema v2)', () => {
  it('keeps the flag of an offer through the stream encoding, same bytes as avsc', () => {
    const r = sample();
    r.offers[0]!.amountsInconsistent = true;
    const bytes = encodeRecord(r);
    assert.equal(bytes[1], RECORD_SCHEMA_VERSION);
    assert.deepEqual(bytes, encodeRecordWithAvsc(r));
    const back = decodeRecord(bytes);
    assert.equal(back.offers[0]!.amountsInconsistent, true);
    for (const o of back.offers.slice(1)) assert.equal('amountsInconsistent' in o, false);
  });

  it('reads entries written with schema v1 as consistent offers', () => {
    const r = sample();
    const type = (schema: object) =>
      avro.Type.forSchema(schema as avro.Schema, { wrapUnions: false });
    // A v1 entry: the record's Avro value without the v2 field, in v1 bytes.
    const value = type(RECORD_AVRO_SCHEMA_V2).fromBuffer(encodeRecordWithAvsc(r).subarray(2)) as {
      offers: Record<string, unknown>[];
    };
    for (const o of value.offers) delete o.amountsInconsistent;
    const body = type(RECORD_AVRO_SCHEMA_V1).toBuffer(value);
    const decoded = decodeRecord(Buffer.concat([Buffer.from([0xfa, 1]), body]));
    assert.deepEqual(decoded, JSON.parse(JSON.stringify(r)));
  });
});
