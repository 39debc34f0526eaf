import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stopInReverse } from './lifecycle.js';
import { recordingLogger } from './testing/recording-logger.js';

test('stopInReverse stops the last started first, goes on past a failed stop, and names a slow one while it waits', async () => {
  const order: string[] = [];
  const lines: string[] = [];
  await stopInReverse(
    [
      { name: 'lake', stop: async () => void order.push('lake') },
      {
        name: 'slow',
        stop: async () => {
          order.push('slow');
          await new Promise((r) => setTimeout(r, 120));
        },
      },
      {
        name: 'broken',
        stop: async () => {
          order.push('broken');
          throw new Error('disk gone');
        },
      },
    ],
    recordingLogger(lines),
    40,
  );
  assert.deepEqual(order, ['broken', 'slow', 'lake']);
  assert.ok(lines.includes('error stop failed {"service":"broken","error":"disk gone"}'));
  const still = lines.filter((l) => l.startsWith('warn still stopping'));
  assert.ok(still.length >= 1, `a warning while slow stops: ${lines.join('\n')}`);
  assert.ok(still.every((l) => l.includes('"service":"slow"')));
  assert.match(lines.find((l) => l.includes('info stopped {"service":"slow"')) ?? '', /"ms":\d+/);
  assert.ok(lines.some((l) => l.startsWith('info stopped {"service":"lake"')));
  assert.ok(!lines.some((l) => l.includes('info stopped {"service":"broken"')));
});
