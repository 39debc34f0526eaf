import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartitionBuffers } from './partition-buffers.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-26T04:10:00.000Z');
const input = (shard: number, seq: number) => ({ shard, seq, record: { seq } });

test('a record of a later window closes the older files of its shard only', () => {
  const b = new PartitionBuffers(HOUR, 1_000_000);
  b.add(input(0, 1), 'amadeus', T0, 10, 0);
  b.add(input(0, 2), 'sabre', T0, 10, 0);
  b.add(input(1, 1), 'amadeus', T0, 10, 0);
  assert.equal(b.closed.length, 0);
  b.add(input(0, 3), 'amadeus', T0 + HOUR, 10, 0);
  assert.deepEqual(
    b.closed.map((f) => `${f.shard} ${f.key} ${f.inputs.map((i) => i.seq)}`),
    ['0 amadeus/2026-11-26/04 1', '0 sabre/2026-11-26/04 2'],
  );
  assert.equal(b.firstBuffered(0), 1, 'closed files still hold their records until written');
  for (const f of [...b.closed]) b.written(f);
  assert.equal(b.firstBuffered(0), 3);
  assert.equal(b.firstBuffered(1), 1);
});

test('a file closes at rotateBytes, and idle files close after rotateMs', () => {
  const b = new PartitionBuffers(HOUR, 100);
  b.add(input(0, 1), 'amadeus', T0, 60, 0);
  assert.equal(b.closed.length, 0);
  b.add(input(0, 2), 'amadeus', T0, 40, 0);
  assert.equal(b.closed.length, 1, 'closed on reaching 100 bytes');
  b.add(input(0, 3), 'amadeus', T0, 1, 1000);
  b.closeIdle(1000 + HOUR);
  assert.equal(b.closed.length, 1, 'not idle for more than rotateMs yet');
  b.closeIdle(1001 + HOUR);
  assert.equal(b.closed.length, 2);
  assert.equal(b.firstBuffered(5), undefined);
});

test('only the first delivery of a seq counts, per shard', () => {
  const b = new PartitionBuffers(HOUR, 100);
  assert.equal(b.firstDelivery(0, 5), true);
  assert.equal(b.firstDelivery(0, 5), false);
  assert.equal(b.firstDelivery(0, 4), false);
  assert.equal(b.firstDelivery(1, 4), true);
  assert.equal(b.firstDelivery(0, 6), true);
});
