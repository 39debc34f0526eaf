import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BEHIND_RECORDS,
  PROGRESS_EVERY_MS,
  PROGRESS_QUIET_EVERY_MS,
  progressDue,
} from './up-progress.js';

/** The lines `up` logs over `lags` (one look every PROGRESS_EVERY_MS), as the look's index. */
function linesOver(lags: number[]): number[] {
  const logged: number[] = [];
  let last = -Infinity;
  let lagThen = 0;
  lags.forEach((lag, i) => {
    const now = i * PROGRESS_EVERY_MS;
    if (!progressDue({ sinceLastMs: now - last, lag, lagThen })) return;
    logged.push(i);
    last = now;
    lagThen = lag;
  });
  return logged;
}

describe('up progress cadence', () => {
  it('logs at every look while the groups work through a backlog, then once a minute', () => {
    // 30 s of history behind, then caught up for five minutes
    const lags = [20_000, 12_000, 5_000, 200, ...Array(30).fill(150)];
    const lines = linesOver(lags);
    assert.deepEqual(
      lines.slice(0, 4),
      [0, 1, 2, 3],
      'every look while behind, and the one caught up',
    );
    const quiet = lines.slice(4);
    const gaps = quiet.map((x, i) => x - (i === 0 ? 3 : quiet[i - 1]!));
    assert.ok(quiet.length >= 4 && quiet.length <= 6, `a line a minute after: ${lines.join(',')}`);
    for (const g of gaps) assert.equal(g * PROGRESS_EVERY_MS, PROGRESS_QUIET_EVERY_MS);
  });

  it('logs the first look, and again at every look when the groups fall behind later', () => {
    const lags = [0, 0, 0, BEHIND_RECORDS + 1, BEHIND_RECORDS * 2, 10, 10, 10];
    assert.deepEqual(linesOver(lags), [0, 3, 4, 5]);
  });
});
