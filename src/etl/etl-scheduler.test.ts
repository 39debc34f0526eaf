import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger } from '../ops/logger.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { cronSlot, latestCronSlot } from './cron-slot.js';
import { startEtlScheduler } from './etl-scheduler.js';
import { EtlStore } from './etl-store.js';
import type { EtlTask } from './etl-task.js';

let sql: PGliteClient;
let store: EtlStore;
before(async () => {
  sql = await PGliteClient.open();
  store = new EtlStore(sql);
  await store.migrate();
});
after(() => sql?.close());

describe('the embedded scheduler', () => {
  it('gives each cron slot to one scheduler only, and retries a failing attempt', async () => {
    const seen: { slot: string; attempt: number; by: string }[] = [];
    const task = (by: string): EtlTask => ({
      name: 'tick',
      schedule: '* * * * * *',
      async run({ slot, attempt }) {
        seen.push({ slot: slot!, attempt, by });
        if (attempt === 1 && seen.length === 1) throw new Error('first attempt fails');
      },
    });
    const opts = { store, logger: silentLogger, attempts: 3, retryDelayMs: 10 };
    const a = await startEtlScheduler({ ...opts, tasks: async () => [task('a')], owner: 'a' });
    const b = await startEtlScheduler({ ...opts, tasks: async () => [task('b')], owner: 'b' });
    // Wait for two first attempts and the retry, not for a fixed time: a loaded
    // machine fires late, and the deadline only stops a broken scheduler.
    const deadline = Date.now() + 60_000;
    while (
      Date.now() < deadline &&
      (seen.filter((s) => s.attempt === 1).length < 2 || !seen.some((s) => s.attempt === 2))
    )
      await delay(100);
    await a.stop();
    await b.stop();
    const firsts = seen.filter((s) => s.attempt === 1);
    assert.ok(firsts.length >= 2, `several slots fired (${firsts.length})`);
    assert.equal(new Set(firsts.map((s) => s.slot)).size, firsts.length, 'a slot ran twice');
    const retried = seen.find((s) => s.attempt === 2);
    assert.equal(retried?.slot, seen[0]!.slot, 'the failed attempt was retried for the same slot');
  });

  it('gives a running task the signal that stops it, and its stop waits for it to end', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    let signalled: AbortSignal | undefined;
    let ended = false;
    const task: EtlTask = {
      name: 'long_running',
      schedule: '0 * * * *',
      catchUpAfterMs: 0,
      async run({ signal }) {
        signalled = signal;
        started();
        // a forecast run: ends when told to stop (a task without the signal never ended)
        await new Promise<void>((resolve) => {
          if (!signal) return resolve();
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        ended = true;
      },
    };
    const s = await startEtlScheduler({
      store,
      logger: silentLogger,
      attempts: 1,
      retryDelayMs: 10,
      tasks: async () => [task],
      owner: 'stopping',
    });
    let stopped = false;
    try {
      await running;
      assert.ok(signalled, 'the task was given no signal');
      assert.equal(signalled.aborted, false);
      await s.stop();
      stopped = true;
      assert.equal(signalled.aborted, true);
      assert.equal(ended, true, 'stop returned before the task ended');
    } finally {
      if (!stopped) await s.stop();
    }
  });

  it('catches up on the latest slot once across schedulers, and not again after a restart', async () => {
    let claims = 0;
    // The same store, counting claims: a loser's attempt leaves no row to wait for.
    const counting = Object.create(store) as EtlStore;
    counting.claimSlot = async (job, slot, owner) => {
      claims++;
      return store.claimSlot(job, slot, owner);
    };
    const ran: { slot: string | undefined; by: string }[] = [];
    const task = (by: string): EtlTask => ({
      name: 'hourly_catch_up',
      schedule: '0 * * * *',
      catchUpAfterMs: 0,
      async run({ slot }) {
        ran.push({ slot, by });
      },
    });
    const opts = { store: counting, logger: silentLogger, attempts: 1, retryDelayMs: 10 };
    const start = (by: string) =>
      startEtlScheduler({ ...opts, tasks: async () => [task(by)], owner: by });
    const until = async (n: number) => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && claims < n) await delay(20);
      assert.ok(claims >= n, `only ${claims} of ${n} claims were made`);
    };
    const a = await start('a');
    const b = await start('b');
    await until(2);
    await a.stop();
    await b.stop();
    assert.equal(ran.length, 1, `one run for one slot, got ${JSON.stringify(ran)}`);
    const expected = latestCronSlot('0 * * * *');
    // An hour boundary between the claims and here moves the slot on; the run kept the one claimed.
    if (expected === latestCronSlot('0 * * * *', new Date(Date.now() - 60_000)))
      assert.equal(ran[0]!.slot, expected);
    const c = await start('c');
    await until(3);
    await c.stop();
    if (ran[0]!.slot === latestCronSlot('0 * * * *'))
      assert.equal(ran.length, 1, 'a restart ran the slot again');
  });

  it('has no catch-up slot for a schedule that did not fire in the look-back', () => {
    assert.equal(
      latestCronSlot('0 0 1 1 *', new Date('2025-06-01T00:00:00Z'), 3_600_000),
      undefined,
    );
    assert.equal(
      latestCronSlot('15 * * * *', new Date('2025-06-01T10:07:00Z')),
      '2025-06-01T09:15:00.000Z',
    );
  });

  it('names a fire by its scheduled time even when the timer is late', () => {
    assert.equal(
      cronSlot('*/5 * * * *', new Date('2025-01-01T10:07:59.900Z')),
      '2025-01-01T10:05:00.000Z',
    );
    assert.equal(
      cronSlot('* * * * * *', new Date('2025-01-01T10:07:59.900Z')),
      '2025-01-01T10:07:59.000Z',
    );
  });
});
