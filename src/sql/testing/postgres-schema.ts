/**
 * A throw-away PostgreSQL schema for integration tests: tries FARESIGHT_TEST_POSTGRES_URL,
 * then the project's machines' defaults (127.0.0.1:5432, database `test`, trust auth,
 * as the OS user or as `postgres`).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresClient } from '../postgres/postgres-client.js';

/** A schema created for one test run; `drop()` removes it with everything in it. */
export interface TestSchema {
  url: string;
  schema: string;
  drop(): Promise<void>;
}

/** Where the integration tests look for PostgreSQL, in order. */
export function candidateUrls(): string[] {
  const env = process.env.FARESIGHT_TEST_POSTGRES_URL;
  return env
    ? [env]
    : ['postgres://127.0.0.1:5432/test', 'postgres://postgres@127.0.0.1:5432/test'];
}

/**
 * Creates `faresight_test_<random>` on the first reachable server. Resolves
 * `{ skip: reason }` when none answers, listing each URL and its error.
 */
export async function createTestSchema(): Promise<TestSchema | { skip: string }> {
  const errors: string[] = [];
  for (const url of candidateUrls()) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      const schema = `faresight_test_${randomBytes(6).toString('hex')}`;
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.end();
      return {
        url,
        schema,
        async drop() {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          try {
            await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          } finally {
            await c.end();
          }
        },
      };
    } catch (err) {
      errors.push(`${url}: ${(err as Error).message}`);
      await client.end().catch(() => {});
    }
  }
  return { skip: `PostgreSQL not reachable (${errors.join('; ')})` };
}

/**
 * createTestSchema for the tests of `what`: without a server it prints why they are
 * skipped and resolves `{ skip }`, except under CI=true, where they are mandatory and it
 * throws.
 */
export async function createTestSchemaFor(what: string): Promise<TestSchema | { skip: string }> {
  const s = await createTestSchema();
  if ('skip' in s) {
    if (process.env.CI === 'true') throw new Error(`CI=true and ${s.skip}`);
    console.log(`# skipping ${what}: ${s.skip}`);
  }
  return s;
}

/**
 * What a shared suite of a SQL-backed contract needs to run on PostgreSQL: `open` makes a
 * schema and a client on it (undefined when skipped, see createTestSchemaFor), the skip
 * reason, and `cleanup`, which drops the schema.
 */
export function postgresSuiteTarget(what: string): {
  open(): Promise<PostgresClient | undefined>;
  skipReason(): string;
  cleanup(): Promise<void>;
} {
  let schema: TestSchema | undefined;
  let skip = '';
  return {
    async open() {
      const s = await createTestSchemaFor(what);
      if ('skip' in s) {
        skip = s.skip;
        return undefined;
      }
      schema = s;
      return new PostgresClient({ connectionString: s.url, schema: s.schema, max: 4 });
    },
    skipReason: () => skip,
    cleanup: async () => {
      await schema?.drop();
    },
  };
}
