import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConnectionQueue,
  type ConnectionUse,
  READS_AHEAD_OF_A_WRITE,
  statementUse,
} from './connection-queue.js';

/** Work that holds the connection until `release()`, recording when it started. */
function held(order: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => {
    release = r;
  });
  return {
    release: () => release(),
    work: () => {
      order.push(name);
      return done;
    },
  };
}

/** Queues `uses` behind a holder, releases it, lets every work finish at once; the start order. */
async function startOrder(uses: readonly [string, ConnectionUse][]): Promise<string[]> {
  const q = new ConnectionQueue();
  const order: string[] = [];
  const first = held(order, 'holder');
  const all = [q.run('transaction', first.work)];
  for (const [name, use] of uses)
    all.push(
      q.run(use, async () => {
        order.push(name);
      }),
    );
  first.release();
  await Promise.all(all);
  return order.slice(1);
}

describe('ConnectionQueue', () => {
  it('tells reads (SELECT, or WITH without a write) from other statements', () => {
    assert.equal(statementUse('SELECT 1'), 'read');
    assert.equal(statementUse('\n  select origin FROM markets'), 'read');
    assert.equal(
      statementUse('WITH fresh AS (INSERT INTO t VALUES (1) RETURNING 1) SELECT 1'),
      'statement',
    );
    assert.equal(statementUse('WITH RECURSIVE legs AS (SELECT 1) SELECT * FROM legs'), 'read');
    assert.equal(statementUse('SELECT last_updated FROM t'), 'read');
    assert.equal(
      statementUse('with d AS (DELETE FROM t RETURNING 1) SELECT 1 FROM d'),
      'statement',
    );
    assert.equal(statementUse('VACUUM t'), 'statement');
    assert.equal(statementUse('INSERT INTO t VALUES (1)'), 'statement');
    assert.equal(statementUse('selection_is_not_a_keyword'), 'statement');
  });

  it('runs the reads that wait before the writes queued ahead of them; writes keep their order', async () => {
    assert.deepEqual(
      await startOrder([
        ['write 1', 'statement'],
        ['tx 2', 'transaction'],
        ['read a', 'read'],
        ['write 3', 'statement'],
        ['read b', 'read'],
      ]),
      ['read a', 'read b', 'write 1', 'tx 2', 'write 3'],
    );
  });

  it(`lets at most ${READS_AHEAD_OF_A_WRITE} reads in a row go ahead of a waiting write`, async () => {
    const reads = Array.from(
      { length: READS_AHEAD_OF_A_WRITE + 3 },
      (_, i) => [`read ${i}`, 'read'] as [string, ConnectionUse],
    );
    const order = await startOrder([['write', 'statement'], ...reads]);
    assert.equal(order.indexOf('write'), READS_AHEAD_OF_A_WRITE);
    assert.deepEqual(
      order.filter((n) => n !== 'write'),
      reads.map(([n]) => n),
    );
  });

  it('settles as the work does and goes on after a failure', async () => {
    const q = new ConnectionQueue();
    await assert.rejects(
      q.run('statement', async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await q.run('read', async () => 7), 7);
  });
});
