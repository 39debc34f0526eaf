import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SLICE_MS, MIN_SLICE_MS, TimeSlice } from './time-slice.js';

test('a slice is due once it has lasted its length, and pause starts a new one', async () => {
  let now = 1000;
  const slice = new TimeSlice(10, () => now);
  assert.equal(slice.due(), false);
  now += 9;
  assert.equal(slice.due(), false);
  now += 1;
  assert.equal(slice.due(), true);
  await slice.pause();
  assert.equal(slice.due(), false, 'a new slice starts after the pause');
  now += 10;
  assert.equal(slice.due(), true);
});

test('pause lets other work on the event loop run', async () => {
  const slice = new TimeSlice();
  let ran = false;
  setImmediate(() => {
    ran = true;
  });
  assert.equal(ran, false);
  await slice.pause();
  assert.equal(ran, true);
});

test('the default slice lasts DEFAULT_SLICE_MS', () => {
  let now = 0;
  const slice = new TimeSlice(undefined, () => now);
  now = DEFAULT_SLICE_MS - 1;
  assert.equal(slice.due(), false);
  now = DEFAULT_SLICE_MS;
  assert.equal(slice.due(), true);
});

test('slices paused at once share one slice: each resumes with its share of the length', async () => {
  let now = 0;
  const a = new TimeSlice(10, () => now);
  const b = new TimeSlice(10, () => now);
  const c = new TimeSlice(10, () => now);
  // three consumer groups pause in the same turn: they resume one after another before
  // the event loop polls again, so each gets a third (was 10 ms each, 30 ms in all)
  const lengths: number[] = [];
  const lengthOf = async (s: TimeSlice) => {
    await s.pause();
    const start = now;
    while (!s.due()) now += 0.5;
    lengths.push(now - start);
  };
  await Promise.all([lengthOf(a), lengthOf(b), lengthOf(c)]);
  assert.deepEqual(lengths, [3.5, 3.5, 3.5]);
  // alone again: the whole length
  await lengthOf(a);
  assert.equal(lengths[3], 10);
});

test('a share is never under MIN_SLICE_MS', async () => {
  let now = 0;
  const slices = Array.from({ length: 40 }, () => new TimeSlice(10, () => now));
  const first = slices[0] as TimeSlice;
  await Promise.all(slices.map((s) => s.pause()));
  // 40 resumed in one turn: a tenth of a millisecond each, but never under the minimum
  now += MIN_SLICE_MS - 0.01;
  assert.equal(first.due(), false);
  now += 0.01;
  assert.equal(first.due(), true);
});
