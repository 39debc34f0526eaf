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
  b.add(input(0, 3), 'amadeus', T0 + HOUR, 10, HOUR);
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
  b.closeDue(1000 + HOUR);
  assert.equal(b.closed.length, 1, 'not idle for more than rotateMs yet');
  b.closeDue(1001 + HOUR);
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

test('a later window closes a file only once it has been open rotateMs of wall clock', () => {
  const ROTATE = 15_000;
  const b = new PartitionBuffers(ROTATE, 1_000_000);
  b.add(input(0, 1), 'generic', T0, 10, 0);
  // two windows later, 5 s of wall clock later: the file stays open and takes the record
  b.add(input(0, 2), 'generic', T0 + 2 * ROTATE, 10, 5_000);
  assert.equal(b.closed.length, 0, 'a file open for 5 s is not closed by a later window');
  assert.equal(b.openFiles, 1, 'the later record joined the open file of its partition');
  b.closeDue(ROTATE - 1);
  assert.equal(b.closed.length, 0, 'not open for rotateMs yet');
  b.closeDue(ROTATE);
  assert.deepEqual(
    b.closed.map((f) => f.inputs.map((i) => i.seq)),
    [[1, 2]],
    'open rotateMs and a later window arrived: closed, without waiting for a new record',
  );
  // a file of the newest window stays open however old it is, until it is idle
  b.add(input(0, 3), 'generic', T0 + 2 * ROTATE, 10, ROTATE + 1);
  b.add(input(0, 4), 'generic', T0 + 2 * ROTATE, 10, 3 * ROTATE);
  b.closeDue(3 * ROTATE + 1);
  assert.equal(b.closed.length, 1, 'no later window: open');
  b.add(input(0, 5), 'generic', T0 + 3 * ROTATE, 10, 3 * ROTATE + 2);
  assert.deepEqual(
    b.closed.map((f) => f.inputs.map((i) => i.seq)),
    [
      [1, 2],
      [3, 4],
    ],
    'a later window closes the file open for more than rotateMs at once',
  );
});

test('a backlog of history read at once (each record a later window) makes one file per partition, not one per record', () => {
  const ROTATE = 15_000;
  const b = new PartitionBuffers(ROTATE, 1_000_000);
  const START = T0 - 28 * 24 * HOUR;
  // the demo's history as the writer reads it: 2000 searches 80 s apart (about 45 hours)
  // in a few batches, each record of a later rotation window than the one before
  for (let i = 0; i < 2000; i++) b.add(input(0, i), 'generic', START + i * 80_000, 10, i);
  assert.equal(b.closed.length, 0, 'nothing open for rotateMs yet');
  const hours = new Set(
    Array.from({ length: 2000 }, (_, i) => Math.floor((START + i * 80_000) / HOUR)),
  );
  b.closeDue(2000 + ROTATE);
  assert.equal(b.openFiles, 0, 'every file saw a later window arrive and is rotateMs old');
  assert.equal(b.closed.length, hours.size, 'one file per hour partition');
  assert.equal(b.firstBuffered(0), 0, 'every record is still held until its file is written');
});

test('history arriving beside a live feed: live windows close history files only once they are rotateMs old', () => {
  const ROTATE = 15_000;
  const b = new PartitionBuffers(ROTATE, 1_000_000);
  const START = T0 - 28 * 24 * HOUR;
  let seq = 0;
  // 10 s of wall clock: a live record every 100 ms (a new window every 15 s of it) and
  // 20 history records per live one, 80 s apart, over the past hours
  let h = 0;
  for (let now = 0; now < 10_000; now += 100) {
    b.add(input(0, seq++), 'generic', T0 + ROTATE - 5_000 + now, 10, now);
    for (let k = 0; k < 20; k++) b.add(input(0, seq++), 'generic', START + h++ * 80_000, 10, now);
  }
  assert.equal(b.closed.length, 0, 'a live window passed after 5 s, but nothing was open 15 s');
  b.closeDue(10_000 + ROTATE);
  const files = b.closed.length + b.openFiles;
  const partitions = new Set(
    Array.from({ length: h }, (_, i) => Math.floor((START + i * 80_000) / HOUR)),
  ).size;
  assert.equal(files, partitions + 1, 'one file per history hour and one for the live hour');
});
