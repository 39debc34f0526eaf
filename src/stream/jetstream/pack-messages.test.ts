import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unpackEntry } from '../aggregation.js';
import { msgIdFor, packMessages, SEQ_SCALE } from './pack-messages.js';

const rec = (id: string, size: number, timestamp = 1_700_000_000_000) => ({
  key: 'k',
  id,
  data: new Uint8Array(size).fill(id.length),
  timestamp,
});

describe('packMessages', () => {
  it('cuts at the entry limit, keeps order and round-trips', () => {
    const recs = Array.from({ length: 50 }, (_, i) => rec(`r${i}`, 1000));
    const msgs = packMessages(recs, 8 * 1024);
    assert.ok(msgs.length > 1);
    for (const m of msgs) assert.ok(m.payload.length <= 8 * 1024);
    const back = msgs.flatMap((m) => unpackEntry(m.payload));
    assert.deepEqual(
      back.map((r) => r.id),
      recs.map((r) => r.id),
    );
    assert.deepEqual(
      msgs.map((m) => m.count),
      msgs.map((m) => unpackEntry(m.payload).length),
    );
  });

  it('gives a retry of the same records the same messages and msg ids, whatever the timestamps', () => {
    const a = Array.from({ length: 30 }, (_, i) => rec(`r${i}`, 700, 1_700_000_000_000));
    const b = Array.from({ length: 30 }, (_, i) => rec(`r${i}`, 700, 1_700_000_009_999));
    assert.deepEqual(
      packMessages(a, 4096).map((m) => [m.count, m.msgId]),
      packMessages(b, 4096).map((m) => [m.count, m.msgId]),
    );
  });

  it('names a message by its ids only, unambiguously', () => {
    assert.equal(msgIdFor(['a']), msgIdFor(['a']));
    assert.notEqual(msgIdFor(['ab', 'c']), msgIdFor(['a', 'bc']));
    assert.notEqual(msgIdFor(['a', 'b']), msgIdFor(['b', 'a']));
    assert.match(msgIdFor(['x']), /^[A-Za-z0-9_-]{43}$/);
  });

  it(`puts at most ${SEQ_SCALE} records in one message`, () => {
    const recs = Array.from({ length: SEQ_SCALE + 5 }, (_, i) => ({
      key: '',
      id: '',
      data: new Uint8Array(0),
      timestamp: i,
    }));
    const msgs = packMessages(recs, 4 * 1024 * 1024);
    assert.deepEqual(
      msgs.map((m) => m.count),
      [SEQ_SCALE, 5],
    );
  });

  it('rejects a record larger than the limit, naming it', () => {
    assert.throws(() => packMessages([rec('small', 10), rec('huge-one', 5000)], 4096), {
      name: 'RangeError',
      message: /record "huge-one" packs to \d+ bytes.*4096/,
    });
  });
});
