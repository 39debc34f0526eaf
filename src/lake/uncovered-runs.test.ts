import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uncoveredRuns } from './uncovered-runs.js';

const items = (...seqs: number[]) => seqs.map((seq) => ({ seq }));
const seqs = (runs: { seq: number }[][]) => runs.map((r) => r.map((i) => i.seq));

test('nothing covered: one run with every item', () => {
  assert.deepEqual(seqs(uncoveredRuns(items(1, 3, 5), [])), [[1, 3, 5]]);
});

test('items inside a covered range are dropped', () => {
  assert.deepEqual(seqs(uncoveredRuns(items(10, 12, 20), [{ first: 10, last: 20 }])), []);
  assert.deepEqual(seqs(uncoveredRuns(items(5, 10, 15, 21, 25), [{ first: 10, last: 20 }])), [
    [5],
    [21, 25],
  ]);
});

test('a run never spans a covered range even when no item falls inside it', () => {
  assert.deepEqual(seqs(uncoveredRuns(items(5, 30), [{ first: 10, last: 20 }])), [[5], [30]]);
});

test('several ranges', () => {
  assert.deepEqual(
    seqs(
      uncoveredRuns(items(1, 2, 11, 12, 13, 31, 40), [
        { first: 3, last: 10 },
        { first: 13, last: 30 },
      ]),
    ),
    [
      [1, 2],
      [11, 12],
      [31, 40],
    ],
  );
});
