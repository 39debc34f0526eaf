/**
 * Issue 15, PostgreSQL restarted mid-run: a connection cut while a transaction holds it
 * (as a restart or failover does) must reject that transaction, not crash the process,
 * and the next query must work on a fresh connection. The cut is pg_terminate_backend on
 * our own backend, so the shared server is untouched.
 */
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { freePort as closedPort } from '../../ops/testing/ports.js';
import { RowStoreUnavailableError } from '../errors.js';
import {
  createTestSchema,
  createTestSchemaFor,
  type TestSchema,
} from '../testing/postgres-schema.js';
import { runSqlClientSuite } from '../testing/sql-client-suite.js';
import { PostgresClient } from './postgres-client.js';

let schema: TestSchema | undefined;
let skip: string | false = false;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

before(async () => {
  const s = await createTestSchemaFor('PostgresClient when its connection is cut');
  if ('skip' in s) {
    skip = s.skip;
    return;
  }
  schema = s;
  process.on('uncaughtException', onUncaught);
});
after(async () => {
  process.off('uncaughtException', onUncaught);
  await schema?.drop();
});

describe('PostgresClient when the server cuts its connection', () => {
  it('rejects the transaction in flight, never throws uncaught, and recovers', async (t) => {
    if (skip || !schema) return t.skip(skip || 'no schema');
    const client = new PostgresClient({
      connectionString: schema.url,
      schema: schema.schema,
      max: 2,
    });
    const admin = new pg.Client({ connectionString: schema.url });
    await admin.connect();
    try {
      await client.exec('CREATE TABLE t (x int)');
      const tx = client.transaction(async (q) => {
        await q.exec('INSERT INTO t VALUES (1)');
        const [me] = await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [me!.pid]);
        // Idle in the transaction while the server is gone, as a use case between statements.
        await new Promise((r) => setTimeout(r, 300));
        await q.exec('INSERT INTO t VALUES (2)');
      });
      await assert.rejects(
        tx,
        RowStoreUnavailableError,
        'the transaction whose connection was cut rejects, saying the server is gone',
      );
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(uncaught, [], 'nothing thrown outside the caller');
      await client.transaction((q) => q.exec('INSERT INTO t VALUES (3)'));
      const rows = await client.query<{ x: number }>('SELECT x FROM t ORDER BY x');
      assert.deepEqual(
        rows.map((r) => r.x),
        [3],
        'the cut transaction left nothing; the next one committed',
      );
      await assert.rejects(
        client.query('SELECT nope'),
        (e) => !(e instanceof RowStoreUnavailableError),
        'a wrong statement is not an outage',
      );
    } finally {
      await admin.end();
      await client.close();
    }
  });
});

describe('PostgresClient errors name the server and what to check', () => {
  it('a server that is down', async () => {
    const port = await closedPort();
    const client = new PostgresClient({
      connectionString: `postgres://127.0.0.1:${port}/faresight`,
    });
    try {
      await assert.rejects(client.query('select 1'), (err: Error) => {
        assert.ok(err instanceof RowStoreUnavailableError, String(err));
        assert.match(
          err.message,
          new RegExp(
            `^PostgreSQL at ([^@ ]+@)?127\\.0\\.0\\.1:${port}/faresight: .*ECONNREFUSED.*is the server running`,
          ),
        );
        return true;
      });
      await assert.rejects(
        client.transaction(async () => 1),
        RowStoreUnavailableError,
      );
    } finally {
      await client.close();
    }
  });

  it('a URL without a user connects as the OS user, as psql does, and names it', async (t) => {
    if (skip || !schema) return t.skip(skip || 'no schema');
    // a service or container often runs with neither PGUSER nor USER set: pg then sent no
    // user at all ("no PostgreSQL user name specified in startup packet")
    const url = new URL(schema.url);
    url.username = '';
    url.password = '';
    const osUser = userInfo().username;
    const saved = { PGUSER: process.env.PGUSER, USER: process.env.USER, pg: pg.defaults.user };
    delete process.env.PGUSER;
    delete process.env.USER;
    pg.defaults.user = undefined;
    const client = new PostgresClient({ connectionString: url.toString() });
    try {
      const rows = await client
        .query<{ u: string }>('select current_user as u')
        .catch((err: Error) => {
          // a machine whose OS user has no role: refused, but by that name
          assert.match(err.message, new RegExp(`PostgreSQL at ${osUser}@`));
          return undefined;
        });
      if (rows) assert.equal(rows[0]?.u, osUser);
    } finally {
      await client.close();
      for (const k of ['PGUSER', 'USER'] as const)
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      pg.defaults.user = saved.pg;
    }
  });

  it('a database that does not exist', async (t) => {
    if (skip || !schema) return t.skip(skip || 'no schema');
    const url = new URL(schema.url);
    url.pathname = '/faresight_no_such_db';
    const client = new PostgresClient({ connectionString: url.toString() });
    try {
      await assert.rejects(
        client.exec('select 1'),
        /faresight_no_such_db.*does not exist.*createdb/,
      );
    } finally {
      await client.close();
    }
  });
});

let suiteSchema: TestSchema | undefined;
runSqlClientSuite({
  name: 'PostgreSQL',
  open: async () => {
    const s = await createTestSchema();
    if ('skip' in s) {
      if (process.env.CI === 'true') throw new Error(`CI=true and ${s.skip}`);
      return s;
    }
    suiteSchema = s;
    return new PostgresClient({ connectionString: s.url, schema: s.schema });
  },
  cleanup: async () => {
    await suiteSchema?.drop();
  },
});
