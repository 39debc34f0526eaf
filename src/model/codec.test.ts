import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeRecord, encodeRecord, RECORD_SCHEMA_VERSION } from './codec.js';
import { CodecError } from './errors.js';
import { shoppingRecordArb } from './testing/arbitraries.js';
import { validateRecord } from './validate.js';

describe('record codec', () => {
  it('round-trips any valid record exactly', () => {
    fc.assert(
      fc.property(shoppingRecordArb, (r) => {
        const v = validateRecord(r);
        assert.ok(v.ok, v.ok ? '' : v.errors.join('; '));
        assert.deepEqual(
          decodeRecord(encodeRecord(v.record)),
          JSON.parse(JSON.stringify(v.record)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('starts with a magic byte and the schema version', () => {
    const r = fc.sample(shoppingRecordArb, 1)[0]!;
    const buf = encodeRecord(validateRecord(r).ok ? r : r);
    assert.equal(buf[0], 0xfa);
    assert.equal(buf[1], RECORD_SCHEMA_VERSION);
  });

  it('rejects foreign, truncated and unknown-version bytes with CodecError', () => {
    const r = fc.sample(shoppingRecordArb, 1)[0]!;
    const buf = encodeRecord(r);
    assert.throws(() => decodeRecord(Buffer.from('{"id":1}')), CodecError);
    assert.throws(() => decodeRecord(buf.subarray(0, buf.length - 3)), CodecError);
    const v9 = Buffer.from(buf);
    v9[1] = 9;
    assert.throws(() => decodeRecord(v9), /unknown record schema version 9/);
  });

  it('never throws anything but CodecError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const b = Buffer.concat([Buffer.from([0xfa, 1]), bytes]);
        try {
          decodeRecord(b);
        } catch (e) {
          assert.ok(e instanceof CodecError, String(e));
        }
      }),
      { numRuns: 500 },
    );
  });
});
