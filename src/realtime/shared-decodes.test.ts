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

describe('SharedDecodes', () => {
  it('decodes a record once for all its readers, then forgets it', () => {
    const s = new SharedDecodes<{ first: number | undefined }>(3);
    const d = counting();
    const a = s.get(0, rec(1), d.decode);
    const b = s.get(1, rec(1), d.decode);
    assert.equal(s.size, 1, 'kept until the third reader takes it');
    const c = s.get(2, rec(1), d.decode);
    assert.equal(d.calls(), 1);
    assert.ok(a === b && b === c, 'every reader gets the one decoding');
    assert.equal(s.size, 0);
    assert.deepEqual([s.hits, s.misses], [2, 1]);
  });

  it('never hands out a decoding of other bytes under the same shard and sequence', () => {
    const s = new SharedDecodes<{ first: number | undefined }>(2);
    const d = counting();
    s.get(0, rec(1, [7]), d.decode);
    // a renumbered shard, or a record written again: same key, other bytes
    assert.deepEqual(s.get(1, rec(1, [8]), d.decode), { first: 8 });
    assert.equal(d.calls(), 2);
    // the same bytes in another buffer are the same record
    s.get(0, rec(2, [9]), d.decode);
    assert.deepEqual(s.get(1, rec(2, [9]), d.decode), { first: 9 });
    assert.equal(d.calls(), 3);
    // another shard with the same sequence is another record
    s.get(0, rec(3, [4]), d.decode);
    assert.deepEqual(s.get(1, rec(3, [4], 1), d.decode), { first: 4 });
    assert.equal(d.calls(), 5);
  });

  it('keeps at most its capacity, dropping the oldest: a reader far behind decodes itself and keeps nothing', () => {
    const s = new SharedDecodes<{ first: number | undefined }>(2, 3);
    const d = counting();
    for (let i = 1; i <= 5; i++) s.get(0, rec(i), d.decode);
    assert.equal(s.size, 3);
    for (let i = 1; i <= 5; i++) s.get(1, rec(i), d.decode);
    assert.equal(d.calls(), 7, 'records 1 and 2 were dropped, 3-5 shared');
    assert.equal(s.size, 0, 'what the reader behind decoded is not kept: the other read past it');
    // the reader ahead reads a record again (a retry): the other has read past it too
    s.get(0, rec(5), d.decode);
    assert.equal(s.size, 0);
    // a new record, read first by the reader that was behind, is kept for the other
    s.get(1, rec(6), d.decode);
    assert.equal(s.size, 1);
    assert.deepEqual([s.hits, s.misses], [3, 9]);
  });

  it('keeps nothing that fails to decode, nor for a single reader', () => {
    const s = new SharedDecodes<number>(2);
    assert.throws(
      () =>
        s.get(0, rec(1), () => {
          throw new Error('bad bytes');
        }),
      /bad bytes/,
    );
    assert.equal(s.size, 0);
    const single = new SharedDecodes<number>(1);
    single.get(0, rec(1), () => 1);
    assert.equal(single.size, 0);
    assert.throws(() => single.get(1, rec(1), () => 1), /no reader 1/);
    assert.throws(() => new SharedDecodes(2, 0), /capacity must be at least 1/);
  });
});
