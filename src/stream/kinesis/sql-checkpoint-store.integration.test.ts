/**
 * The fenced checkpoint save on a real PostgreSQL, in a throw-away schema: a save racing
 * a lease takeover that is not committed yet waits for it and is then refused. Skipped,
 * with the reason, when PostgreSQL is not running, unless CI=true.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import pg from 'pg';
import { tcpReachable } from '../jetstream/testing/nats-server.js';
import { FencedError } from '../lease/lease-store.js';
import { SqlLeaseStore } from '../lease/sql-lease-store.js';
import { SqlCheckpointStore } from './sql-checkpoint-store.js';

const URL = process.env.FARESIGHT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const skip =
  process.env.CI !== 'true' && !(await tcpReachable(5432))
    ? 'not running: PostgreSQL on 127.0.0.1:5432'
    : false;
const schema = `faresight_kckpt_${randomBytes(5).toString('hex')}`;

it('a fenced save racing an uncommitted lease takeover waits for it, then is refused', {
  skip,
}, async () => {
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = new pg.Pool({ connectionString: URL, max: 2, options: `-c search_path=${schema}` });
  const taker = new pg.Client({ connectionString: URL, options: `-c search_path=${schema}` });
  after(async () => {
    await taker.end().catch(() => {});
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  const sql = {
    query: async <T>(text: string, params?: readonly unknown[]) =>
      (await pool.query(text, params as unknown[])).rows as T[],
  };
  const store = new SqlCheckpointStore(sql);
  await store.init();
  const leases = new SqlLeaseStore(sql);
  const id = await store.registerStream('race', 'g', 1);
  await store.ensureGroup(id, 'g', 1);
  const v = (await store.groupVersion(id, 'g'))!;
  await leases.init('race', 'g', 1);
  const a = (await leases.acquire('race', 'g', 0, 'a', 1000, 10_000))!;
  // b takes the expired lease in a transaction left open
  await taker.connect();
  await taker.query('BEGIN');
  await taker.query(
    `UPDATE stream_leases SET owner = 'b', epoch = epoch + 1, expires_at = 99999
     WHERE stream = 'race' AND grp = 'g' AND shard = 0`,
  );
  const save = store.save(id, 'g', v, new Map([[0, { seq: 5, kseq: '1', afterEntry: true }]]), {
    stream: 'race',
    owner: 'a',
    epochs: new Map([[0, a.epoch]]),
  });
  let settled: string | undefined;
  const outcome = save.then(
    () => 'saved',
    (err: unknown) => (err instanceof FencedError ? 'fenced' : `failed: ${err}`),
  );
  outcome.then((o) => {
    settled = o;
  });
  // the save must be waiting on the lease row's lock before the takeover commits
  const deadline = Date.now() + 60_000; // a hang guard, not a timing check
  for (;;) {
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE wait_event_type = 'Lock' AND query LIKE '%stream_leases%' AND pid <> pg_backend_pid()`,
    );
    if (rows[0].n > 0) break;
    if (settled) assert.fail(`the save did not wait for the uncommitted takeover: ${settled}`);
    if (Date.now() > deadline)
      assert.fail(
        `the save never waited for the lease row: ${await Promise.race([outcome, 'pending'])}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
  await taker.query('COMMIT');
  assert.equal(await outcome, 'fenced');
  assert.equal(await store.load(id, 'g', 0), undefined, 'the refused save moved nothing');
});
