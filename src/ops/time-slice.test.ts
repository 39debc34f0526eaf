import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SLICE_MS, TimeSlice } from './time-slice.js';

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
