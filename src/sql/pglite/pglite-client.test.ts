import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setImmediate as turn, setTimeout as turnMs } from 'node:timers/promises';
import { RowStoreLockedError, RowStoreThreadError } from '../errors.js';
import { migrate } from '../migrate.js';
import type { SqlClient } from '../sql-client.js';
import { runSqlClientSuite } from '../testing/sql-client-suite.js';
import { PGliteClient } from './pglite-client.js';
import { PGliteInlineClient } from './pglite-inline-client.js';

const root = mkdtempSync(join(tmpdir(), 'faresight-pglite-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('PGliteClient on disk', () => {
  it('persists across reopen and lets one instance at a time open a directory', async () => {
    const dir = join(root, 'rowstore');
    const first = await PGliteClient.open({ dir });
    const migrations = [{ version: 1, name: 't', sql: 'CREATE TABLE t (n integer PRIMARY KEY)' }];
    assert.deepEqual(await migrate(first, migrations), [1]);
    await first.query('INSERT INTO t VALUES ($1)', [321]);
    await assert.rejects(PGliteClient.open({ dir }), (err: unknown) => {
      assert.ok(err instanceof RowStoreLockedError);
      assert.equal(err.pid, process.pid);
      assert.match(err.message, /rowStore\.backend=postgres/);
      return true;
    });
    await first.close();

    // A lock left by a process that is gone is taken over.
    writeFileSync(`${dir}.lock`, '2147483646');
    const again = await PGliteClient.open({ dir });
    try {
      assert.deepEqual(await migrate(again, migrations), []);
      assert.deepEqual(await again.query('SELECT n FROM t'), [{ n: 321 }]);
    } finally {
      await again.close();
    }
  });

  it('checkpoints on its own and caps its write-ahead log (a PGlite has no checkpointer)', async () => {
    // the demo's row store was 913 MB of pg_wal beside 445 MB of tables after 40 minutes
    const db = await PGliteInlineClient.open({ dir: join(root, 'wal'), checkpointEveryMs: 50 });
    try {
      const [max] = await db.query<{ max_wal_size: string }>('SHOW max_wal_size');
      const [min] = await db.query<{ min_wal_size: string }>('SHOW min_wal_size');
      assert.deepEqual([max?.max_wal_size, min?.min_wal_size], ['64MB', '32MB']);
      const lsn = async () =>
        (
          await db.query<{ l: string }>(
            'SELECT checkpoint_lsn::text AS l FROM pg_control_checkpoint()',
          )
        )[0]?.l;
      const before = await lsn();
      await db.exec('CREATE TABLE w (n integer)');
      await db.exec('INSERT INTO w SELECT generate_series(1, 1000)');
      // a checkpoint after the writes moves the checkpoint's position past them
      while ((await lsn()) === before) await turnMs(20);
    } finally {
      await db.close();
    }
  });

  it('rolls a failed transaction back', async () => {
    const client = await PGliteClient.open();
    try {
      await client.exec('CREATE TABLE t (n integer PRIMARY KEY)');
      await assert.rejects(
        client.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES ($1)', [1]);
          await tx.query('INSERT INTO t VALUES ($1)', [1]);
        }),
      );
      assert.deepEqual(await client.query('SELECT n FROM t'), []);
    } finally {
      await client.close();
    }
  });
});

/** A statement that keeps PGlite busy for a while (100 ms or more). */
const SLOW = 'SELECT count(*)::int AS n FROM generate_series(1, 1000000) g WHERE g % 7 = 0';

/** Turns of the event loop (setImmediate) while `work` runs. */
async function turnsDuring(work: Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const counting = (async () => {
    while (!done) {
      await turn();
      turns++;
    }
  })();
  try {
    await work;
  } finally {
    done = true;
    await counting;
  }
  return turns;
}

describe('PGliteClient runs PGlite on a thread of its own', () => {
  it('keeps the event loop turning while a statement runs (PGlite inline holds it)', async () => {
    const threaded = await PGliteClient.open();
    const inline = await PGliteInlineClient.open();
    try {
      // warm both (the first statement of a PGlite compiles its catalog caches)
      await threaded.query(SLOW);
      await inline.query(SLOW);
      const onThread = await turnsDuring(threaded.query(SLOW));
      const onLoop = await turnsDuring(inline.query(SLOW));
      // An idle loop turns in microseconds: thousands of turns in a statement that runs
      // for 100 ms or more on the thread; inline, at most the one before PGlite starts.
      assert.ok(onThread >= 10, `the event loop turned ${onThread} times during a statement`);
      assert.ok(onLoop <= 1, `inline, the statement held the loop (${onLoop} turns)`);
    } finally {
      await threaded.close();
      await inline.close();
    }
  });

  it('runs a statement outside a transaction after the transaction ends (one connection)', async () => {
    const client = await PGliteClient.open();
    try {
      await client.exec('CREATE TABLE t (n integer PRIMARY KEY)');
      const order: string[] = [];
      let outside: Promise<unknown> | undefined;
      await client.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (1)');
        outside = client
          .query<{ n: number }>('SELECT count(*)::int AS n FROM t')
          .then((rows) => order.push(`outside saw ${rows[0]?.n}`));
        await tx.query('INSERT INTO t VALUES (2)');
        order.push('transaction body done');
      });
      await outside;
      assert.deepEqual(order, ['transaction body done', 'outside saw 2']);
    } finally {
      await client.close();
    }
  });

  it('serves a read before the writes (transactions and statements) queued ahead of it', async () => {
    const client = await PGliteClient.open();
    try {
      await client.exec('CREATE TABLE t (n integer PRIMARY KEY)');
      const order: string[] = [];
      let release!: () => void;
      let began!: () => void;
      const holding = new Promise<void>((r) => {
        began = r;
      });
      const first = client.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (1)');
        began();
        await new Promise<void>((r) => {
          release = r;
        });
      });
      await holding;
      // the real-time writers queue their transactions while one holds the connection...
      const writes = [2, 3].map((n) =>
        client.transaction(async (tx) => {
          order.push(`write ${n} began`);
          await tx.query('INSERT INTO t VALUES ($1)', [n]);
        }),
      );
      // ...and a statement that writes...
      const write4 = client
        .query('INSERT INTO t VALUES (4)')
        .then(() => order.push('write 4 done'));
      // ...and an API read comes in behind them
      const read = client
        .query<{ n: number }>('SELECT count(*)::int AS n FROM t')
        .then((rows) => order.push(`read saw ${rows[0]?.n}`));
      release();
      await Promise.all([first, ...writes, write4, read]);
      assert.deepEqual(order, ['read saw 1', 'write 2 began', 'write 3 began', 'write 4 done']);
      assert.deepEqual(await client.query('SELECT n FROM t ORDER BY n'), [
        { n: 1 },
        { n: 2 },
        { n: 3 },
        { n: 4 },
      ]);
    } finally {
      await client.close();
    }
  });

  it('rejects a parameter that cannot be copied to the thread and stays usable', async () => {
    const client = await PGliteClient.open();
    try {
      await assert.rejects(client.query('SELECT $1::text AS v', [() => 1]), /could not be cloned/);
      assert.deepEqual(await client.query('SELECT $1::text AS v', ['ok']), [{ v: 'ok' }]);
    } finally {
      await client.close();
    }
  });

  it('a crash of the thread rejects what was in flight and every later call with RowStoreThreadError', async () => {
    const dir = join(root, 'crash');
    const client = await PGliteClient.open({ dir });
    await client.exec('CREATE TABLE t (n integer PRIMARY KEY)');
    await client.query('INSERT INTO t VALUES (1)');
    const isThreadError = (err: unknown) => {
      assert.ok(err instanceof RowStoreThreadError, String(err));
      assert.match(err.message, /row store thread \(PGlite in .*crash\) exited/);
      return true;
    };
    const inFlight = client.query(SLOW);
    let txBody: Promise<unknown> | undefined;
    const inTx = client.transaction(async (tx) => {
      txBody = tx.query('INSERT INTO t VALUES (2)');
      await txBody;
    });
    await client.crashForTesting();
    await assert.rejects(inFlight, isThreadError);
    await assert.rejects(inTx, isThreadError);
    await assert.rejects(client.query('SELECT 1'), isThreadError);
    await assert.rejects(
      client.transaction(async () => {}),
      isThreadError,
    );
    await client.close();
    // the lock went with the thread: the directory opens again, with what was committed
    const again = await PGliteClient.open({ dir });
    try {
      assert.deepEqual(await again.query('SELECT n FROM t ORDER BY n'), [{ n: 1 }]);
    } finally {
      await again.close();
    }
  });

  it('a database that cannot open rejects open() with its error and leaves no lock', async () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'a file where the data directory should be');
    await assert.rejects(PGliteClient.open({ dir: file }));
    assert.throws(() => readFileSync(`${file}.lock`), /ENOENT/);
  });
});

const sqlErrorOf = async (client: SqlClient) => {
  await client.exec('CREATE TABLE IF NOT EXISTS e (n integer PRIMARY KEY)');
  await client.query('INSERT INTO e VALUES (1) ON CONFLICT DO NOTHING');
  return client.query('INSERT INTO e VALUES (1)').then(
    () => assert.fail('a duplicate key was accepted'),
    (err: unknown) => err as Error & { code?: string; constraint?: string },
  );
};

describe('database errors through the thread', () => {
  it('carry the message, SQLSTATE and constraint as inline, and the caller in the stack', async () => {
    const threaded = await PGliteClient.open();
    const inline = await PGliteInlineClient.open();
    try {
      const [a, b] = [await sqlErrorOf(threaded), await sqlErrorOf(inline)];
      assert.equal(a.message, b.message);
      assert.equal(a.code, '23505');
      assert.equal(a.code, b.code);
      assert.equal(a.constraint, 'e_pkey');
      assert.match(a.stack ?? '', /sqlErrorOf/);
    } finally {
      await threaded.close();
      await inline.close();
    }
  });
});

runSqlClientSuite({ name: 'PGlite on its thread', open: () => PGliteClient.open() });
runSqlClientSuite({ name: 'PGlite inline', open: () => PGliteInlineClient.open() });
