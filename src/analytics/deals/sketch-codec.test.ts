import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DDSketch } from '@datadog/sketches-js';
import { decodeSketch, encodeSketch } from './sketch-codec.js';

/** A day sketch of a fine segment: a few fares far apart. */
function fewFares(): DDSketch {
  const sk = new DDSketch({ relativeAccuracy: 0.005 });
  for (const p of [89, 240.5, 240.7, 610, 1999]) sk.accept(p);
  return sk;
}

/** The bin keys at some quantiles: what the counts say, whatever the mapping's rounding. */
const quantiles = (sk: DDSketch) =>
  [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1].map((q) => sk.store.keyAtRank(q * (sk.count - 1)));

describe('sketch codec', () => {
  it('gives back the same counts and quantiles', () => {
    const sk = fewFares();
    const back = decodeSketch(encodeSketch(sk));
    assert.equal(back.count, sk.count);
    assert.deepEqual(quantiles(back), quantiles(sk));
    // and a sketch of many fares
    const big = new DDSketch({ relativeAccuracy: 0.005 });
    for (let i = 1; i <= 5000; i++) big.accept(50 + ((i * 7919) % 3000) / 3, 1 + (i % 3));
    const bigBack = decodeSketch(encodeSketch(big));
    assert.equal(bigBack.count, big.count);
    assert.deepEqual(quantiles(bigBack), quantiles(big));
  });

  it('writes only the bins that hold a count: a few fares far apart take a thirtieth of the room', () => {
    const sk = fewFares();
    const contiguous = Buffer.from(sk.toProto()).toString('base64');
    const sparse = encodeSketch(sk);
    assert.ok(
      sparse.length * 30 < contiguous.length,
      `${sparse.length} characters, contiguous ${contiguous.length}`,
    );
  });

  it("reads the library's own contiguous form (rows written before the sparse one)", () => {
    const sk = fewFares();
    const back = decodeSketch(Buffer.from(sk.toProto()).toString('base64'));
    assert.equal(back.count, sk.count);
    assert.deepEqual(quantiles(back), quantiles(sk));
  });

  it("writes each sketch's own mapping, though it encodes each mapping once", () => {
    // accuracies in turn: a mapping encoded for one must not be written for another
    for (const accuracy of [0.005, 0.02, 0.005, 0.01, 0.02]) {
      const sk = new DDSketch({ relativeAccuracy: accuracy });
      sk.accept(321);
      const back = decodeSketch(encodeSketch(sk));
      assert.equal(back.mapping.gamma, sk.mapping.gamma);
      // and the mapping written is the library's own
      assert.deepEqual(
        DDSketch.fromProto(Buffer.from(encodeSketch(sk), 'base64')).mapping.toProto(),
        sk.mapping.toProto(),
      );
    }
  });

  it('keeps the accuracy, so a sketch of another one is still refused where it is merged', () => {
    const other = new DDSketch({ relativeAccuracy: 0.02 });
    other.accept(100);
    const back = decodeSketch(encodeSketch(other));
    assert.equal(back.mapping.gamma, other.mapping.gamma);
  });

  it('throws on bytes that are not a sketch', () => {
    assert.throws(() => decodeSketch(Buffer.from('not a sketch at all').toString('base64')));
  });
});
