import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Foreground } from './foreground.js';
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

test('a pause waits while a foreground request is in flight, and goes on when it ends', async () => {
  const fg = new Foreground(60_000);
  const slice = TimeSlice.yieldingTo(fg);
  const end = fg.begin();
  let resumed = false;
  const paused = slice.pause().then(() => {
    resumed = true;
  });
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(resumed, false, 'background waits for the request');
  end();
  await paused;
  assert.equal(resumed, true);
  assert.equal(fg.requests, 0);
  await slice.pause(); // nothing in flight: one turn
});

test('a pause waits at most maxDeferMs for requests that do not end', async () => {
  const fg = new Foreground(5);
  const end = fg.begin();
  fg.begin(); // a second request, ended twice by nobody
  await TimeSlice.yieldingTo(fg).pause();
  end();
  end(); // ending twice counts once
  assert.equal(fg.requests, 1);
});
