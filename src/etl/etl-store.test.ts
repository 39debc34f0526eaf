import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { countingClient } from '../sql/testing/counting-client.js';
import { EtlStore } from './etl-store.js';

describe('EtlStore.finishRun', () => {
  let client: PGliteClient;
  before(async () => {
    client = await PGliteClient.open();
    await new EtlStore(client).migrate();
  });
  after(() => client.close());

  it('records the run and moves thousands of watermarks in one batch of three statements', async () => {
    const { calls, client: counted } = countingClient(client);
    const store = new EtlStore(counted);
    const first = await store.startRun({ job: 'j', kind: 'scheduled', attempt: 1, runner: 't' });
    await store.finishRun(
      first,
      { status: 'succeeded', rows: 1 },
      {
        job: 'j',
        set: [
          ['gone-1', 'a'],
          ['gone-2', 'b'],
          ['kept', 'c'],
        ],
        removed: [],
      },
    );
    const second = await store.startRun({ job: 'j', kind: 'scheduled', attempt: 1, runner: 't' });
    const set = Array.from({ length: 5000 }, (_, i) => [`p=${i}`, `fp${i}`] as [string, string]);
    const before = { ...calls };
    await store.finishRun(
      second,
      { status: 'succeeded', rows: 7 },
      {
        job: 'j',
        set: [...set, ['kept', 'c2'], ['p=0', 'fp0-last']],
        removed: ['gone-1', 'gone-2'],
      },
    );
    // one message to the row store's thread: an update, an upsert, a delete
    assert.deepEqual(
      {
        batch: calls.batch - before.batch,
        statements: calls.statementsInBatches - before.statementsInBatches,
        transaction: calls.transaction - before.transaction,
        query: calls.query - before.query,
      },
      { batch: 1, statements: 3, transaction: 0, query: 0 },
    );
    const marks = await store.watermarks('j');
    assert.equal(marks.size, 5001);
    assert.equal(marks.get('kept'), 'c2');
    assert.equal(marks.get('p=0'), 'fp0-last');
    assert.equal(marks.get('p=4999'), 'fp4999');
    assert.equal(marks.has('gone-1'), false);
    const [run] = await client.query<{ status: string; rows_out: number }>(
      'SELECT status, rows_out::int AS rows_out FROM etl_runs WHERE id = $1',
      [second],
    );
    assert.deepEqual(run, { status: 'succeeded', rows_out: 7 });
  });

  it('leaves the watermarks of a failed run as they were', async () => {
    const store = new EtlStore(client);
    const id = await store.startRun({ job: 'f', kind: 'scheduled', attempt: 1, runner: 't' });
    await store.finishRun(
      id,
      { status: 'failed', error: 'boom' },
      { job: 'f', set: [['p', 'x']], removed: [] },
    );
    assert.equal((await store.watermarks('f')).size, 0);
    const [run] = await client.query<{ status: string; error: string }>(
      'SELECT status, error FROM etl_runs WHERE id = $1',
      [id],
    );
    assert.deepEqual(run, { status: 'failed', error: 'boom' });
  });
});
