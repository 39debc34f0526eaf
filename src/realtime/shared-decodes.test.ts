import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SharedDecodes } from './shared-decodes.js';

const rec = (seq: number, bytes = [seq], shard = 0) => ({
  shard,
  seq,
  data: new Uint8Array(bytes),
});

/** A decoder counting its calls; the value is a fresh object per call. */
function counting() {
  let calls = 0;
  const decode = (d: Uint8Array) => {
    calls++;
    return { first: d[0] };
  };
  return { decode, calls: () => calls };
}

type Value = { first: number | undefined };

describe('SharedDecodes', () => {
  it('decodes a record once for all its readers, then forgets it', () => {
    const s = new SharedDecodes<Value>();
    const [r0, r1, r2] = [s.reader(), s.reader(), s.reader()];
    const d = counting();
    const a = r0(rec(1), d.decode);
    const b = r1(rec(1), d.decode);
    assert.equal(s.size, 1, 'kept until the third reader takes it');
    const c = r2(rec(1), d.decode);
    assert.equal(d.calls(), 1);
    assert.ok(a === b && b === c, 'every reader gets the one decoding');
    assert.equal(s.size, 0);
  });

  it('never hands out a decoding of other bytes under the same shard and sequence', () => {
    const s = new SharedDecodes<Value>();
    const [r0, r1] = [s.reader(), s.reader()];
    const d = counting();
    r0(rec(1, [7]), d.decode);
    // a renumbered shard, or a record written again: same key, other bytes
    assert.deepEqual(r1(rec(1, [8]), d.decode), { first: 8 });
    assert.equal(d.calls(), 2);
    // the same bytes in another buffer are the same record
    r0(rec(2, [9]), d.decode);
    assert.deepEqual(r1(rec(2, [9]), d.decode), { first: 9 });
    assert.equal(d.calls(), 3);
    // another shard with the same sequence is another record
    r0(rec(3, [4]), d.decode);
    assert.deepEqual(r1(rec(3, [4], 1), d.decode), { first: 4 });
    assert.equal(d.calls(), 5);
  });

  it('keeps at most its capacity, dropping the oldest: a reader far behind decodes itself and keeps nothing', () => {
    const s = new SharedDecodes<Value>(3);
    const [r0, r1] = [s.reader(), s.reader()];
    const d = counting();
    for (let i = 1; i <= 5; i++) r0(rec(i), d.decode);
    assert.equal(s.size, 3);
    for (let i = 1; i <= 5; i++) r1(rec(i), d.decode);
    assert.equal(d.calls(), 7, 'records 1 and 2 were dropped, 3-5 shared');
    assert.equal(s.size, 0, 'what the reader behind decoded is not kept: the other read past it');
    // the reader ahead reads a record again (a retry): the other has read past it too
    r0(rec(5), d.decode);
    assert.equal(d.calls(), 8);
    assert.equal(s.size, 0);
    // a new record, read first by the reader that was behind, is kept for the other
    r1(rec(6), d.decode);
    assert.equal(s.size, 1);
    r0(rec(6), d.decode);
    assert.equal(d.calls(), 9);
    assert.equal(s.size, 0);
  });

  it('keeps nothing that fails to decode, nor for a single reader', () => {
    const s = new SharedDecodes<number>();
    const [r0] = [s.reader(), s.reader()];
    assert.throws(
      () =>
        r0(rec(1), () => {
          throw new Error('bad bytes');
        }),
      /bad bytes/,
    );
    assert.equal(s.size, 0);
    const single = new SharedDecodes<number>();
    single.reader()(rec(1), () => 1);
    assert.equal(single.size, 0);
    assert.throws(() => new SharedDecodes(0), /capacity must be at least 1/);
  });
});
