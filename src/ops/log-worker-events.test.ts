import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from './logger.js';
import { logWorkerEvents } from './restarting-worker.js';

test('logWorkerEvents logs a thread that died as an error and its restart as info, with the fields given', () => {
  const lines: [string, string, Record<string, unknown> | undefined][] = [];
  const logger: Logger = {
    debug: (m, f) => lines.push(['debug', m, f]),
    info: (m, f) => lines.push(['info', m, f]),
    warn: (m, f) => lines.push(['warn', m, f]),
    error: (m, f) => lines.push(['error', m, f]),
    child: () => logger,
  };
  const onEvent = logWorkerEvents(logger, 'stream writer thread', 'starting a new one', {
    stream: 'shopping',
  });
  onEvent({ type: 'failed', error: new Error('exited with code 1'), attempt: 2, delayMs: 200 });
  onEvent({ type: 'restarted', restarts: 3 });
  assert.deepEqual(lines, [
    [
      'error',
      'stream writer thread died; starting a new one',
      { stream: 'shopping', error: 'exited with code 1', attempt: 2, inMs: 200 },
    ],
    ['info', 'stream writer thread restarted', { stream: 'shopping', restarts: 3 }],
  ]);
  const plain: string[] = [];
  logWorkerEvents(
    { ...logger, error: (m) => plain.push(m) },
    'the deals thread',
  )({
    type: 'failed',
    error: new Error('x'),
    attempt: 1,
    delayMs: 100,
  });
  assert.deepEqual(plain, ['the deals thread died; restarting it']);
});
