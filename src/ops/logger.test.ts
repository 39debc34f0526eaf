import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './logger.js';

const capture = (level?: Parameters<typeof createLogger>[0]) => {
  const lines: string[] = [];
  return { lines, logger: createLogger(level, 'test', (l) => lines.push(l)) };
};

test('events below the level are dropped, the rest are one line each', () => {
  const { lines, logger } = capture('warn');
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
  assert.deepEqual(
    lines.map((l) => l.slice(9)),
    ['warn  [test] w\n', 'error [test] e\n'],
  );
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d /);
});

test('fields are key=value, strings as they are and others as JSON; a child names its component', () => {
  const { lines, logger } = capture();
  logger.child('lake').info('wrote', { rows: 3, table: 'offers', keys: ['a'], gone: undefined });
  assert.equal(
    lines[0]!.slice(9),
    'info  [lake] wrote rows=3 table=offers keys=["a"] gone=undefined\n',
  );
});

test('control characters cannot forge a second line', () => {
  const { lines, logger } = capture();
  logger.warn('bad\nfake 00:00:00 error [x] forged', { v: 'a\r\nb' });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.split('\n').length, 2, 'one line and its newline');
  assert.ok(!lines[0]!.slice(0, -1).includes('\n'));
});
