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

test('a batch over hundreds of partitions keeps the open buffers under maxOpenBytes, largest closed first', () => {
  const cap = 10_000;
  const b = new PartitionBuffers(HOUR, 1_000_000, cap);
  // a live record first: the history below is older than its window, so no window closes
  b.add(input(0, 0), 'generic', T0, 10, 0);
  let seq = 1;
  for (let round = 0; round < 3; round++)
    for (let p = 0; p < 400; p++) {
      // one partition of every hour of the past 400 hours, partition 7 much bigger
      b.add(input(0, seq++), 'generic', T0 - (p + 1) * HOUR, p === 7 ? 900 : 10, 0);
      assert.ok(b.openBytes <= cap, `open buffers ${b.openBytes} bytes past the cap of ${cap}`);
    }
  assert.ok(b.closed.length > 0, 'files were closed to stay under the cap');
  assert.equal(
    b.closed[0]!.key,
    `generic/${new Date(T0 - 8 * HOUR).toISOString().slice(0, 10)}/${new Date(T0 - 8 * HOUR).toISOString().slice(11, 13)}`,
    'the largest open file closes first',
  );
  assert.equal(b.firstBuffered(0), 0, 'every record is still held until its file is written');
});
