/**
 * A recorded task's attempts land in the run history and the metrics: a success, a
 * failure (counted in consecutive failures), and an attempt that ends because the process
 * is stopping, which is recorded as `stopped` and is no failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { silentLogger } from '../ops/logger.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { createEtlMetrics } from './etl-metrics.js';
import { EtlStore } from './etl-store.js';
import { recordedTask } from './recorded-task.js';

let sql: PGliteClient;
let store: EtlStore;
before(async () => {
  sql = await PGliteClient.open();
  store = new EtlStore(sql);
  await store.migrate();
});
after(() => sql?.close());

async function counter(registry: Registry, name: string): Promise<Record<string, number>> {
  const m = await registry.getSingleMetric(name)!.get();
  return Object.fromEntries(m.values.map((v) => [String(v.labels.status ?? ''), v.value]));
}

describe('recordedTask', () => {
  it('records a stop as stopped, not failed: no consecutive failure, no failed metric', async () => {
    const registry = new Registry();
    const metrics = createEtlMetrics(registry);
    let mode: 'fail' | 'wait' | 'ok' = 'fail';
    const task = recordedTask(
      {
        name: 'long_task',
        schedule: '0 * * * *',
        run: ({ signal } = {}) =>
          mode === 'ok'
            ? Promise.resolve({ rows: 3 })
            : mode === 'fail'
              ? Promise.reject(new Error('the lake is unreadable'))
              : new Promise((_, reject) =>
                  signal!.addEventListener('abort', () =>
                    reject(new Error('the run was stopped (the process is stopping)')),
                  ),
                ),
      },
      store,
      'runner-1',
      silentLogger,
      metrics,
    );
    await assert.rejects(task.run({ kind: 'scheduled', attempt: 1 }), /unreadable/);
    mode = 'wait';
    const stop = new AbortController();
    const running = task.run({ kind: 'scheduled', attempt: 1, signal: stop.signal });
    setTimeout(() => stop.abort(), 50);
    await assert.rejects(running, /stopped/);

    const [latest, failed] = await store.runs({ job: 'long_task' });
    assert.equal(latest!.status, 'stopped');
    assert.match(latest!.error ?? '', /process is stopping/);
    assert.equal(failed!.status, 'failed');
    const [h] = await store.health(['long_task']);
    assert.equal(h!.consecutiveFailures, 1, 'the one real failure, not the stop');
    assert.deepEqual(await counter(registry, 'faresight_etl_runs_total'), {
      failed: 1,
      stopped: 1,
    });

    mode = 'ok';
    await task.run({ kind: 'scheduled', attempt: 1 });
    assert.equal((await store.health(['long_task']))[0]!.consecutiveFailures, 0);
  });
});
