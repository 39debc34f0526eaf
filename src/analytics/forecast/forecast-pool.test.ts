import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BACKGROUND_NICENESS,
  threadNiceness,
  threadsAtNiceness,
} from '../../ops/thread-priority.js';
import { ForecastPool } from './forecast-pool.js';

const threadsAt = (niceness: number) => threadsAtNiceness(niceness).length;

const notLinux = process.platform !== 'linux' && 'per-thread niceness is read from Linux /proc';

describe('ForecastPool threads and the event loop', () => {
  it('runs its threads at background niceness, so a serving event loop wins a busy core', {
    skip: notLinux,
  }, async () => {
    const before = threadsAt(BACKGROUND_NICENESS);
    const pool = await ForecastPool.start({ threads: 2 });
    try {
      assert.equal(threadsAt(BACKGROUND_NICENESS) - before, 2);
      assert.equal(threadNiceness(process.pid), 0, 'the event loop keeps its priority');
    } finally {
      await pool.close();
    }
  });

  it('keeps the priority of the process when asked (forecast evaluate)', {
    skip: notLinux,
  }, async () => {
    const before = threadsAt(BACKGROUND_NICENESS);
    const pool = await ForecastPool.start({ threads: 1, niceness: 0 });
    try {
      assert.equal(threadsAt(BACKGROUND_NICENESS), before);
    } finally {
      await pool.close();
    }
  });
});
