import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deleteInChunks } from './delete-in-chunks.js';
import { PGliteClient } from './pglite/pglite-client.js';
import type { SqlClient } from './sql-client.js';

describe('deleteInChunks', () => {
  let db: SqlClient;
  before(async () => {
    db = await PGliteClient.open();
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, old boolean NOT NULL)');
  });
  after(() => db.close());
  const fill = (n: number) =>
    db.exec(`TRUNCATE t; INSERT INTO t SELECT g, g % 3 <> 0 FROM generate_series(1, ${n}) g`);

  it('deletes every matching row, at most a chunk a statement, and keeps the rest', async () => {
    await fill(30);
    const statements: string[] = [];
    const counting = {
      query: <R>(sql: string, params?: readonly unknown[]) => {
        statements.push(sql);
        return db.query<R>(sql, params);
      },
      exec: (sql: string) => db.exec(sql),
    };
    assert.equal(await deleteInChunks(counting, 't', 'old = $1', [true], 7), 20);
    assert.equal(statements.length, 3, 'chunks of 7, 7 and 6 rows');
    const [left] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE old');
    assert.equal(left?.n, 0);
    const [kept] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
    assert.equal(kept?.n, 10);
    assert.equal(await deleteInChunks(db, 't', 'old', []), 0, 'nothing left to delete');
  });

  it('leaves the connection to a read between two chunks', async () => {
    await fill(300);
    const deleting = deleteInChunks(db, 't', 'true', [], 1);
    // sent while the first chunk runs: the embedded row store answers it before the next
    const [r] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
    assert.ok(r && r.n > 0 && r.n < 300, `read between the chunks: ${r?.n} rows left`);
    assert.equal(await deleting, 300);
  });

  it('refuses a chunk that is not a positive whole number', async () => {
    await assert.rejects(
      deleteInChunks(db, 't', 'true', [], 0),
      /chunkRows must be a positive integer/,
    );
  });
});
