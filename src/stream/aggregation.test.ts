import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  AggregateFormatError,
  packEntry,
  packedSize,
  splitIntoEntries,
  unpackEntry,
} from './aggregation.js';

const recordArb = fc.record({
  key: fc.string({ maxLength: 20 }),
  id: fc.string({ maxLength: 40 }),
  data: fc.uint8Array({ maxLength: 300 }),
  timestamp: fc.integer({ min: 0, max: 2 ** 48 }),
});

describe('aggregation', () => {
  it('packs and unpacks any records byte for byte', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 30 }), (recs) => {
        const back = unpackEntry(packEntry(recs));
        assert.equal(back.length, recs.length);
        back.forEach((r, i) => {
          assert.equal(r.key, recs[i]!.key);
          assert.equal(r.id, recs[i]!.id);
          assert.equal(r.timestamp, recs[i]!.timestamp);
          assert.deepEqual(new Uint8Array(r.data), recs[i]!.data);
        });
      }),
    );
  });

  it('cuts entries at the size limit, deterministically, keeping order', () => {
    const recs = Array.from({ length: 100 }, (_, i) => ({
      key: 'k',
      id: `id${i}`,
      data: new Uint8Array(10_000),
      timestamp: i,
    }));
    const parts = splitIntoEntries(recs, 64 * 1024);
    assert.ok(parts.length > 1);
    for (const p of parts) assert.ok(packEntry(p).length <= 64 * 1024);
    assert.deepEqual(
      parts.flat().map((r) => r.id),
      recs.map((r) => r.id),
    );
    assert.deepEqual(
      splitIntoEntries(recs, 64 * 1024).map((p) => p.length),
      parts.map((p) => p.length),
    );
    const big = { key: 'k', id: 'big', data: new Uint8Array(100_000), timestamp: 1 };
    assert.deepEqual(splitIntoEntries([big], 64 * 1024), [[big]]);
    assert.equal(packEntry([big]).length, packedSize(big) + 3);
  });

  it('detects torn and foreign entries', () => {
    const e = packEntry([{ key: 'a', id: 'b', data: new Uint8Array([1, 2, 3]), timestamp: 5 }]);
    assert.throws(() => unpackEntry(e.subarray(0, e.length - 1)), AggregateFormatError);
    assert.throws(() => unpackEntry(Buffer.concat([e, Buffer.from([0])])), AggregateFormatError);
    assert.throws(() => unpackEntry(Buffer.from('hello')), AggregateFormatError);
  });
});
