import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import type { OperationRecord } from './etl-operation-store.js';
import { EtlStore } from './etl-store.js';

let sql: PGliteClient;
let store: EtlStore;
before(async () => {
  sql = await PGliteClient.open();
  store = new EtlStore(sql);
  await store.migrate();
});
after(() => sql.close());

const STALE_MS = 60_000;
const op = (id: string, status: OperationRecord['status'] = 'running'): OperationRecord => ({
  id,
  job: 'market_demand_daily',
  kind: 'backfill',
  from: '2026-05-26',
  to: '2026-05-28',
  total: 3,
  done: 1,
  rows: 12,
  status,
  step: status === 'running' ? '2026-05-27' : null,
  message: null,
  error: null,
  startedAt: '2026-05-28T20:15:00.123Z',
  endedAt: status === 'running' ? null : '2026-05-28T20:15:09.000Z',
});
/** Makes the heartbeat of `id` an hour old, as a process that stopped an hour ago left it. */
const age = (id: string) =>
  sql.query(
    `UPDATE etl_operations SET heartbeat_at = heartbeat_at - interval '1 hour' WHERE id = $1`,
    [id],
  );

describe('EtlOperationStore', () => {
  it('gives an operation back as saved, and a heartbeat keeps a running one from going stale', async () => {
    await store.operations.save(op('a'), 'host-1-aaaaaa');
    assert.deepEqual(await store.operations.get('a', STALE_MS), { ...op('a'), orphaned: false });
    await age('a');
    assert.equal((await store.operations.get('a', STALE_MS))?.orphaned, true);
    await store.operations.heartbeat(['a']);
    assert.equal((await store.operations.get('a', STALE_MS))?.orphaned, false);
    assert.deepEqual(await store.operations.failOrphaned({ staleMs: STALE_MS }), []);
    assert.equal(await store.operations.get('nope', STALE_MS), undefined);
  });

  it('fails only running operations whose heartbeat is stale, or every other owner’s when asked', async () => {
    await store.operations.save(op('stale'), 'host-2-bbbbbb');
    await store.operations.save(op('done', 'succeeded'), 'host-2-bbbbbb');
    await store.operations.save(op('fresh'), 'host-3-cccccc');
    await age('stale');
    await age('done');
    assert.deepEqual(await store.operations.failOrphaned({ staleMs: STALE_MS }), ['stale']);
    const stale = await store.operations.get('stale', STALE_MS);
    assert.equal(stale?.status, 'failed');
    assert.equal(stale?.step, null);
    assert.equal(stale?.error, 'the process running it (host-2-bbbbbb) stopped before it finished');
    assert.ok(stale?.endedAt);
    assert.equal((await store.operations.get('done', STALE_MS))?.status, 'succeeded');
    assert.equal((await store.operations.get('fresh', STALE_MS))?.status, 'running');
    const failed = await store.operations.failOrphaned({
      staleMs: STALE_MS,
      allBut: 'host-1-aaaaaa',
    });
    assert.deepEqual(failed, ['fresh']);
    assert.equal((await store.operations.get('a', STALE_MS))?.status, 'running');
  });

  it('lists newest first and forgets the oldest finished ones, never a running one', async () => {
    assert.deepEqual(
      (await store.operations.list(10, STALE_MS)).map((o) => o.id),
      ['fresh', 'done', 'stale', 'a'],
    );
    assert.deepEqual(
      (await store.operations.list(2, STALE_MS)).map((o) => o.id),
      ['fresh', 'done'],
    );
    await store.operations.prune(1);
    assert.deepEqual(
      (await store.operations.list(10, STALE_MS)).map((o) => o.id),
      ['fresh', 'a'],
    );
  });
});
