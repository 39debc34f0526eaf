/**
 * A customer job whose process stops while the customer's statement runs: the scheduler's
 * signal reaches the statement in the session host's child (and in an inline session),
 * the attempt is recorded as `stopped`, not failed, and the table keeps its last build.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type CustomerJobDeps,
  customerTaskName,
  runCustomerJob,
} from '../etl/customer-job-runner.js';
import { silentLogger } from '../ops/logger.js';
import type { CustomerJob } from '../tenancy/customer-store.js';
import type { SessionSpec } from './customer-session.js';
import { openDuckDBCustomerSession } from './duckdb/duckdb-customer-session.js';
import { SqlInterruptedError } from './errors.js';
import { SessionHost } from './session-host/session-host.js';
import { SLOW_ONE_ROW } from './testing/slow-statements.js';
import { openSqlFixture, type SqlFixture } from './testing/sql-fixture.js';

let fx: SqlFixture;
const spec = async (customer: string): Promise<SessionSpec> => ({
  lakeRoot: fx.etl.lakeRoot,
  customer,
  grants: await fx.customers.grants(customer),
  ponds: fx.ponds,
  // far longer than the test waits: a statement that ends did so by the interrupt
  statementTimeoutMs: 120_000,
  maxRows: 1000,
});

before(async () => {
  fx = await openSqlFixture();
});
after(async () => {
  await fx?.close();
});

describe('a customer job stopped mid-statement', () => {
  it('interrupts the statement in the session host, records stopped, keeps the last build', async () => {
    const host = new SessionHost({ processes: 1 });
    const logged: string[] = [];
    const deps: CustomerJobDeps = {
      store: fx.etl.store,
      openSession: async (customer) => host.open(await spec(customer)),
      lakeRoot: fx.etl.lakeRoot,
      logger: { ...silentLogger, info: (msg) => void logged.push(msg) },
      runnerId: 'test-runner',
    };
    const job: CustomerJob = {
      customer: 'globex',
      name: 'daily_markets',
      sql: 'SELECT DISTINCT market FROM market_demand_daily',
      schedule: '0 * * * *',
    };
    try {
      const built = await runCustomerJob(job, deps);
      assert.ok(built > 0);
      const table = path.join(fx.etl.lakeRoot, 'customers', 'globex', 'daily_markets');
      const stop = new AbortController();
      const running = runCustomerJob({ ...job, sql: SLOW_ONE_ROW }, deps, {
        kind: 'scheduled',
        attempt: 1,
        signal: stop.signal,
      });
      setTimeout(() => stop.abort(), 500);
      await assert.rejects(running, (err: Error) => {
        assert.equal(err.name, 'JobRunError');
        assert.ok(err.cause instanceof SqlInterruptedError, String(err.cause));
        return true;
      });
      const [run] = await fx.etl.store.runs({ job: customerTaskName(job) });
      assert.equal(run!.status, 'stopped');
      assert.match(run!.error ?? '', /interrupted/);
      const [h] = await fx.etl.store.health([customerTaskName(job)]);
      assert.equal(h!.consecutiveFailures, 0, 'a stop is not a failure');
      assert.ok(logged.includes('customer job stopped'));
      // the last build stays; nothing staged is left behind
      assert.ok(existsSync(path.join(table, 'data.parquet')));
      assert.deepEqual(
        readdirSync(path.dirname(table)).filter((f) => f.startsWith('.tmp-')),
        [],
      );
      // the child is free: the next run builds
      assert.equal(await runCustomerJob(job, deps), built);
      // a signal that has aborted already sends nothing to the child
      const s = await host.open(await spec('globex'));
      try {
        await assert.rejects(
          s.materialize('SELECT 1 AS one', path.join(table, 'never.parquet'), AbortSignal.abort()),
          SqlInterruptedError,
        );
        assert.ok(!existsSync(path.join(table, 'never.parquet')));
      } finally {
        await s.close();
      }
    } finally {
      await host.stop();
    }
  });

  it('interrupts an inline session’s materialize, which answers the next statement', async () => {
    const s = await openDuckDBCustomerSession(await spec('globex'));
    try {
      const file = path.join(fx.etl.lakeRoot, 'customers', 'globex', 'inline', 'data.parquet');
      await assert.rejects(
        s.materialize(SLOW_ONE_ROW, file, AbortSignal.timeout(500)),
        SqlInterruptedError,
      );
      await assert.rejects(
        s.materialize('SELECT 1 AS one', file, AbortSignal.abort()),
        SqlInterruptedError,
        'a signal that has aborted already runs nothing',
      );
      assert.equal(await s.materialize('SELECT 1 AS one', file), 1);
    } finally {
      await s.close();
    }
  });
});
