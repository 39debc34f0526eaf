import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DDSketch } from '@datadog/sketches-js';
import compiled from '@datadog/sketches-js/dist/ddsketch/proto/compiled.js';
import fc from 'fast-check';
import { decodeSketch, encodeBins, encodeSketch } from './sketch-codec.js';

/** What protobufjs itself writes for these bins (the encoder before encodeBins), base64. */
function protobufjs(bins: readonly number[], mapping: DDSketch['mapping']): string {
  const DDSketchProto = (
    compiled as unknown as {
      DDSketch: {
        create(v: unknown): unknown;
        encode(m: unknown): { finish(): Uint8Array };
      };
    }
  ).DDSketch;
  const binCounts: Record<number, number> = {};
  for (let i = 0; i < bins.length; i += 2) binCounts[bins[i] as number] = bins[i + 1] as number;
  const message = DDSketchProto.create({
    mapping: mapping.toProto(),
    positiveValues: { binCounts },
    negativeValues: {},
    zeroCount: 0,
  });
  return Buffer.from(DDSketchProto.encode(message).finish()).toString('base64');
}

/** Bins as a day sketch holds them: distinct keys ascending, positive counts. */
const binsArb = (min: number, max: number) =>
  fc.uniqueArray(fc.integer({ min, max }), { maxLength: 60 }).chain((keys) =>
    fc
      .array(fc.integer({ min: 1, max: 2 ** 31 }), {
        minLength: keys.length,
        maxLength: keys.length,
      })
      .map((counts) => [...keys].sort((a, b) => a - b).flatMap((k, i) => [k, counts[i] as number])),
  );

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

  it("writes protobufjs's bytes straight from the bins, and reads them back as they were", () => {
    const mapping = new DDSketch({ relativeAccuracy: 0.005 }).mapping;
    // keys of at least 0 (prices of at least 1): the very bytes
    fc.assert(
      fc.property(binsArb(0, 3_000_000), (bins) => {
        assert.equal(encodeBins(bins, mapping), protobufjs(bins, mapping));
      }),
      { numRuns: 300 },
    );
    // any keys (sint32, negative ones below a price of 1): the same bins and counts
    fc.assert(
      fc.property(binsArb(-5000, 5000), (bins) => {
        const back = decodeSketch(encodeBins(bins, mapping));
        const got: number[] = [];
        back.store.bins.forEach((c, i) => {
          if (c > 0) got.push(i + back.store.offset, c);
        });
        assert.deepEqual(got, bins);
        assert.equal(
          back.count,
          bins.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0),
        );
        assert.equal(back.mapping.gamma, mapping.gamma);
      }),
      { numRuns: 300 },
    );
  });

  it('throws on bytes that are not a sketch', () => {
    assert.throws(() => decodeSketch(Buffer.from('not a sketch at all').toString('base64')));
  });
});
