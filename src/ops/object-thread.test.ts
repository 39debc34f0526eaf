/**
 * An object thread runs its object's methods on another thread: a method that blocks its
 * thread leaves this one free, errors come back with their message, a crash rejects the
 * calls in flight and a new thread takes the next ones, and close() closes the object.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { threadId } from 'node:worker_threads';
import { ObjectThread } from './object-thread.js';
import { siblingModule } from './spawn-worker.js';
import type { ThreadProbe } from './testing/thread-probe.js';
import { workerEventLog } from './testing/worker-event-log.js';

class ProbeThreadError extends Error {
  override name = 'ProbeThreadError';
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-object-thread-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const probeModule = siblingModule(new URL('./testing/x', import.meta.url).href, 'thread-probe');

function start(name: string, extra: { refuse?: string; factory?: string } = {}) {
  const closedFile = path.join(root, `${name}.closed`);
  const log = workerEventLog<ProbeThreadError>();
  const started = ObjectThread.start<ThreadProbe, ProbeThreadError>({
    module: probeModule,
    factory: extra.factory ?? 'makeThreadProbe',
    args: [{ closedFile, ...(extra.refuse ? { refuse: extra.refuse } : {}) }],
    label: 'the probe thread',
    error: ProbeThreadError,
    restartDelayMs: 10,
    onEvent: log.onEvent,
  });
  return { started, closedFile, log };
}

describe('ObjectThread', () => {
  test('runs the object on another thread; a call that blocks that thread leaves this one free', async () => {
    const { started, closedFile } = start('free');
    const t = await started;
    try {
      assert.notEqual(await t.call('threadId'), threadId);
      const order: string[] = [];
      const call = t.call('block', 300, 'done').then((v) => order.push(v));
      setImmediate(() => order.push('this thread ran'));
      await call;
      // inline, the call's 300 ms of blocking would come first
      assert.deepEqual(order, ['this thread ran', 'done']);
    } finally {
      await t.close();
    }
    assert.equal(fs.readFileSync(closedFile, 'utf8'), 'closed', 'close() closed the object');
  });

  test('an error of a method rejects that call with its message; the thread goes on', async () => {
    const { started } = start('errors');
    const t = await started;
    try {
      await assert.rejects(t.call('fail', 'bad job SQL at line 3'), {
        message: 'bad job SQL at line 3',
      });
      assert.equal(await t.call('block', 0, 'still here'), 'still here');
      assert.equal(t.restarts, 0);
    } finally {
      await t.close();
    }
    await assert.rejects(t.call('threadId'), (err: Error) => {
      assert.ok(err instanceof ProbeThreadError);
      assert.match(err.message, /the probe thread is closed/);
      return true;
    });
  });

  test('a crash rejects the calls in flight with the owner error; a new thread takes the next', async () => {
    const { started, log } = start('crash');
    const t = await started;
    log.bind(t);
    try {
      const first = await t.call('threadId');
      const inFlight = t.call('block', 2000, 'never');
      t.crashForTesting();
      await assert.rejects(inFlight, ProbeThreadError);
      await log.until('restarted', 1);
      const second = await t.call('threadId');
      assert.notEqual(second, first);
      assert.equal(t.restarts, 1);
    } finally {
      await t.close();
    }
  });

  test('a factory that fails, or is not there, fails the start with its reason', async () => {
    await assert.rejects(start('refuse', { refuse: 'DuckDB cannot open' }).started, {
      name: 'ProbeThreadError',
      message: 'DuckDB cannot open',
    });
    await assert.rejects(start('missing', { factory: 'Probe.open' }).started, (err: Error) => {
      assert.ok(err instanceof ProbeThreadError);
      assert.match(err.message, /has no function Probe\.open/);
      return true;
    });
  });
});
