/** The lease store on a real PostgreSQL, in a throw-away schema. */
import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { runLeaseStoreSuite } from './lease-store-suite.js';
import { SqlLeaseStore } from './sql-lease-store.js';

const URLS = process.env.FARESIGHT_TEST_POSTGRES_URL
  ? [process.env.FARESIGHT_TEST_POSTGRES_URL]
  : ['postgres://127.0.0.1:5432/test', 'postgres://postgres@127.0.0.1:5432/test'];
const schema = `faresight_leases_${randomBytes(5).toString('hex')}`;
let url: string | undefined;
let skip = '';

before(async () => {
  const errors: string[] = [];
  for (const u of URLS) {
    const c = new pg.Client({ connectionString: u, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query(`CREATE SCHEMA ${schema}`);
      await c.end();
      url = u;
      return;
    } catch (err) {
      errors.push(`${u}: ${(err as Error).message}`);
      await c.end().catch(() => {});
    }
  }
  skip = `PostgreSQL not reachable (${errors.join('; ')})`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${skip}`);
  console.log(`# skipping: ${skip}`);
});
after(async () => {
  if (!url) return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

describe('SqlLeaseStore on PostgreSQL', () => {
  runLeaseStoreSuite(async () => {
    if (!url) return undefined;
    const pool = new pg.Pool({
      connectionString: url,
      max: 2,
      options: `-c search_path=${schema}`,
    });
    return new SqlLeaseStore(
      { query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows },
      () => pool.end(),
    );
  }, 'shopping');
});
