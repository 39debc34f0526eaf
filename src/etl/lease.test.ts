/**
 * Runs of one job in one process wait for each other (withLease); once the scheduler
 * stops, a run still waiting does not start: queued runs went on one after another after
 * `up` was told to stop, past its shutdown deadline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../ops/logger.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { JobStoppedError } from './errors.js';
import { EtlStore } from './etl-store.js';
import { withLease } from './lease.js';

let sql: PGliteClient;
let store: EtlStore;
before(async () => {
  sql = await PGliteClient.open();
  store = new EtlStore(sql);
  await store.migrate();
});
after(() => sql?.close());

describe('withLease', () => {
  it('a run waiting behind another does not start once the stop signal aborted', async () => {
    const stop = new AbortController();
    const ran: string[] = [];
    let finishFirst!: () => void;
    const first = withLease(
      store,
      'fare_trends',
      'runner-1',
      60_000,
      silentLogger,
      async () => {
        ran.push('first');
        await new Promise<void>((r) => {
          finishFirst = r;
        });
      },
      stop.signal,
    );
    while (ran.length === 0) await new Promise((r) => setImmediate(r));
    const second = withLease(
      store,
      'fare_trends',
      'runner-1',
      60_000,
      silentLogger,
      async () => {
        ran.push('second');
      },
      stop.signal,
    );
    stop.abort();
    finishFirst();
    await first;
    await assert.rejects(second, (err: Error) => {
      assert.ok(err instanceof JobStoppedError);
      assert.match(err.message, /fare_trends did not start: the process is stopping/);
      return true;
    });
    assert.deepEqual(ran, ['first'], 'the first run finished; the second never started');
    // the lease is free for the next process
    await withLease(store, 'fare_trends', 'runner-2', 60_000, silentLogger, async () => {
      ran.push('next');
    });
    assert.deepEqual(ran, ['first', 'next']);
  });
});
