/**
 * The SqlClient contract, one suite run against every implementation (PGlite and
 * PostgreSQL), so the two cannot drift apart: the same SQL, values and transaction
 * semantics on both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrate } from '../migrate.js';
import type { SqlClient } from '../sql-client.js';

/** How the suite gets a client; `{ skip }` when the backend is absent (printed, never silent). */
export interface SqlClientSuiteOptions {
  readonly name: string;
  /** A fresh, empty database (or schema) for this suite; closed by the suite. */
  readonly open: () => Promise<SqlClient | { skip: string }>;
  /** Cleanup after the client is closed (drop a schema). */
  readonly cleanup?: () => Promise<void>;
}

/** Registers the SqlClient contract tests for one implementation. */
export function runSqlClientSuite(opts: SqlClientSuiteOptions): void {
  describe(`SqlClient contract: ${opts.name}`, () => {
    let client: SqlClient | undefined;
    let skip: string | undefined;
    before(async () => {
      const c = await opts.open();
      if ('skip' in c) {
        skip = c.skip;
        console.log(`# skipping SqlClient contract on ${opts.name}: ${skip}`);
      } else client = c;
    });
    after(async () => {
      await client?.close();
      await opts.cleanup?.();
    });
    const use = (t: { skip(msg: string): void }): SqlClient | undefined => {
      if (!client) t.skip(skip ?? 'no client');
      return client;
    };

    it('runs statements with $n parameters and follows the value conventions', async (t) => {
      const c = use(t);
      if (!c) return;
      await c.exec(
        'CREATE TABLE suite_values (n integer PRIMARY KEY, amount numeric(12,2), at timestamptz, day date)',
      );
      await c.query('INSERT INTO suite_values VALUES ($1, $2, $3, $4)', [
        1,
        '321.50',
        new Date('2026-01-02T03:04:05Z'),
        '2026-01-02',
      ]);
      const [row] = await c.query<{ n: number; amount: unknown; at: Date; day: string }>(
        'SELECT n, amount, at, day::text AS day FROM suite_values WHERE n = $1',
        [1],
      );
      assert.equal(row?.n, 1);
      assert.equal(Number(row?.amount), 321.5);
      assert.ok(row?.at instanceof Date);
      assert.equal(row.at.toISOString(), '2026-01-02T03:04:05.000Z');
      assert.equal(row.day, '2026-01-02');
      assert.deepEqual(await c.query('SELECT n FROM suite_values WHERE n = $1', [2]), []);
    });

    it('runs a batch in one transaction: every statement or none', async (t) => {
      const c = use(t);
      if (!c) return;
      await c.exec('CREATE TABLE suite_batch (n integer PRIMARY KEY)');
      const rows = await c.batch([
        { sql: 'INSERT INTO suite_batch VALUES ($1), ($2)', params: [1, 2] },
        { sql: 'SELECT count(*)::int AS n FROM suite_batch' },
        { sql: 'INSERT INTO suite_batch VALUES (3) RETURNING n' },
      ]);
      assert.deepEqual(rows, [[], [{ n: 2 }], [{ n: 3 }]]);
      await assert.rejects(
        c.batch([
          { sql: 'INSERT INTO suite_batch VALUES ($1)', params: [4] },
          { sql: 'INSERT INTO suite_batch VALUES ($1)', params: [1] },
        ]),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, '23505'); // unique_violation, from the database
          return true;
        },
      );
      assert.deepEqual(await c.query('SELECT n FROM suite_batch ORDER BY n'), [
        { n: 1 },
        { n: 2 },
        { n: 3 },
      ]);
      assert.deepEqual(await c.batch([]), []);
    });

    it('commits a transaction that resolves and rolls back one that rejects', async (t) => {
      const c = use(t);
      if (!c) return;
      await c.exec('CREATE TABLE suite_tx (n integer PRIMARY KEY)');
      const got = await c.transaction(async (tx) => {
        await tx.query('INSERT INTO suite_tx VALUES ($1)', [1]);
        return (await tx.query<{ n: number }>('SELECT n FROM suite_tx')).length;
      });
      assert.equal(got, 1);
      await assert.rejects(
        c.transaction(async (tx) => {
          await tx.query('INSERT INTO suite_tx VALUES ($1)', [2]);
          await tx.query('INSERT INTO suite_tx VALUES ($1)', [1]);
        }),
      );
      assert.deepEqual(await c.query('SELECT n FROM suite_tx ORDER BY n'), [{ n: 1 }]);
    });

    it('rejects a failed statement with the database message and SQLSTATE code', async (t) => {
      const c = use(t);
      if (!c) return;
      await c.exec('CREATE TABLE suite_err (n integer PRIMARY KEY)');
      await c.query('INSERT INTO suite_err VALUES ($1)', [1]);
      await assert.rejects(c.query('INSERT INTO suite_err VALUES ($1)', [1]), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(
          err.message,
          /duplicate key value violates unique constraint "suite_err_pkey"/,
        );
        assert.equal((err as { code?: unknown }).code, '23505');
        return true;
      });
      await assert.rejects(c.exec('SELECT * FROM suite_missing'), (err: unknown) => {
        assert.match((err as Error).message, /relation "suite_missing" does not exist/);
        assert.equal((err as { code?: unknown }).code, '42P01');
        return true;
      });
    });

    it('applies each migration once', async (t) => {
      const c = use(t);
      if (!c) return;
      const migrations = [
        { version: 1, name: 'one', sql: 'CREATE TABLE suite_m1 (n integer)' },
        {
          version: 2,
          name: 'two',
          sql: 'CREATE TABLE suite_m2 (n integer); INSERT INTO suite_m2 VALUES (2)',
        },
      ];
      assert.deepEqual(await migrate(c, migrations), [1, 2]);
      assert.deepEqual(await migrate(c, migrations), []);
      assert.deepEqual(await c.query('SELECT n FROM suite_m2'), [{ n: 2 }]);
    });
  });
}
