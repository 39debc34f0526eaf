import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PostgresUnavailableError } from '../errors.js';
import { createTestSchema, type TestSchema } from '../testing/postgres-schema.js';
import { PostgresClient } from './postgres-client.js';

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('PostgresClient errors name the server and what to check', () => {
  let schema: TestSchema | undefined;
  let skip = '';
  before(async () => {
    const s = await createTestSchema();
    if ('skip' in s) {
      if (process.env.CI === 'true') throw new Error(`CI=true and ${s.skip}`);
      skip = s.skip;
      console.log(`# skipping the missing-database case: ${skip}`);
    } else schema = s;
  });
  after(() => schema?.drop());

  it('a server that is down', async () => {
    const port = await closedPort();
    const client = new PostgresClient({
      connectionString: `postgres://127.0.0.1:${port}/faresight`,
    });
    try {
      await assert.rejects(client.query('select 1'), (err: Error) => {
        assert.ok(err instanceof PostgresUnavailableError, String(err));
        assert.match(
          err.message,
          new RegExp(
            `^PostgreSQL at 127\\.0\\.0\\.1:${port}/faresight: .*ECONNREFUSED.*is the server running`,
          ),
        );
        return true;
      });
      await assert.rejects(
        client.transaction(async () => 1),
        PostgresUnavailableError,
      );
    } finally {
      await client.close();
    }
  });

  it('a database that does not exist', async (t) => {
    if (!schema) return t.skip(skip);
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
