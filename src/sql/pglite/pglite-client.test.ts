import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RowStoreLockedError } from '../errors.js';
import { migrate } from '../migrate.js';
import { runSqlClientSuite } from '../testing/sql-client-suite.js';
import { PGliteClient } from './pglite-client.js';

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

runSqlClientSuite({ name: 'PGlite', open: () => PGliteClient.open() });
