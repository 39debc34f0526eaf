/**
 * The shared suite of EtlOperations over the ETL store (issue 20), run on PGlite and on
 * PostgreSQL: operations outlive the process that ran them, one whose process was
 * killed shows as failed, and processes on one store see each other's operations.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../../../config/config.js';
import type { EtlOperation } from '../../../console/console-backend.js';
import type { JobRunner } from '../../../etl/job-runner.js';
import { writeLakeRecords } from '../../../etl/testing/lake-fixture.js';
import { createGenerator } from '../../../generator/generator.js';
import { silentLogger } from '../../../ops/logger.js';
import type { SqlClient } from '../../../sql/sql-client.js';
import { type EtlContext, openEtlContext } from '../etl-context.js';
import { EtlOperations } from '../etl-operations.js';

/** The row store the suite runs on. */
export interface EtlOperationsStore {
  /**
   * A client on the store, as a process opens it. On PGlite (one process per directory)
   * the caller closes the previous client first.
   */
  open(): Promise<SqlClient>;
  /** What the child process (etl-operation-child.ts) needs to open the store. */
  child: { backend: 'pglite'; dir: string } | { backend: 'postgres'; url: string; schema: string };
}

export interface EtlOperationsTarget {
  name: string;
  /** The store, or undefined when the suite is skipped (skipReason says why). */
  setup(): Promise<EtlOperationsStore | undefined>;
  skipReason(): string;
  cleanup(): Promise<void>;
}

const JOB = 'market_demand_daily';

/** A context whose runs wait for `gate` before they run for real. */
function gated(ctx: EtlContext, gate: Promise<void>): EtlContext {
  const runner = Object.create(ctx.runner) as JobRunner;
  runner.run = async (job, opts) => {
    await gate;
    return ctx.runner.run(job, opts);
  };
  return { ...ctx, runner };
}

export function runEtlOperationsSuite(target: EtlOperationsTarget): void {
  describe(`ETL operations in the ETL store (${target.name})`, () => {
    let store: EtlOperationsStore | undefined;
    let dataDir = '';
    const config = () => configSchema.parse({ dataDir });
    const closers: (() => Promise<void>)[] = [];
    /** A process's view: a client on the store, its ETL context and operations. */
    async function processOn(sql?: SqlClient) {
      const client = sql ?? (await store!.open());
      const ctx = await openEtlContext({ config: config(), sql: client, logger: silentLogger });
      const close = async () => {
        await ctx.close();
        if (!sql) await client.close();
      };
      closers.push(close);
      return { client, ctx, close };
    }

    before(async () => {
      store = await target.setup();
      if (!store) return;
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-etl-ops-'));
      const g = createGenerator({ seed: 11, start: new Date('2025-06-02T00:00:00Z') });
      const t0 = Date.parse('2025-06-02T00:00:00Z');
      await writeLakeRecords(
        dataDir,
        Array.from({ length: 120 }, (_, i) => g.next(new Date(t0 + i * 30 * 60_000))),
      );
    });
    after(async () => {
      for (const c of closers.reverse()) await c().catch(() => undefined);
      await target.cleanup();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('keeps finished operations with their rows and message when the store is opened again', async (t) => {
      if (!store) return t.skip(target.skipReason());
      const first = await processOn();
      const ops = new EtlOperations(first.ctx, silentLogger);
      const run = await ops.start(JOB);
      const back = await ops.start(JOB, { from: '2025-06-02', to: '2025-06-03' });
      await ops.settle();
      const done = [await ops.get(run.id), await ops.get(back.id)] as EtlOperation[];
      assert.deepEqual(
        done.map((o) => o.status),
        ['succeeded', 'succeeded'],
      );
      assert.ok(done[1]!.rows > 0, 'the backfill wrote rows');
      assert.equal(done[1]!.done, 2);
      await first.close();

      const second = await processOn();
      const reopened = new EtlOperations(second.ctx, silentLogger);
      await reopened.recover();
      const listed = (await reopened.list()).filter((o) => o.id === run.id || o.id === back.id);
      assert.deepEqual(listed, [done[1], done[0]], 'both, newest first, as they ended');
      assert.deepEqual(await reopened.get(back.id), done[1]);
      assert.match(done[1]!.message ?? '', /2 day partitions from 2025-06-02 to 2025-06-03/);
      await second.close();
    });

    it('fails an operation whose process was killed before it finished, saying so', async (t) => {
      if (!store) return t.skip(target.skipReason());
      const shared = store.child.backend === 'postgres';
      // On PostgreSQL a process of its own stays up meanwhile, with a run going on.
      let open = () => {};
      const gate = new Promise<void>((r) => {
        open = r;
      });
      const peer = shared ? await processOn() : undefined;
      const peerOps = peer ? new EtlOperations(gated(peer.ctx, gate), silentLogger) : undefined;
      const live = await peerOps?.start(JOB);

      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(import.meta.dirname, 'etl-operation-child.ts'),
          JSON.stringify({ ...store.child, dataDir }),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise((r) => child.once('exit', r));
      let out = '';
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
        });
        child.once('exit', (code) => reject(new Error(`the child exited (${code}): ${out}`)));
      });
      const started = JSON.parse(line) as EtlOperation;
      assert.equal(started.status, 'running');
      child.kill('SIGKILL');
      await exited;

      const after = peer ?? (await processOn());
      const ops = peerOps ?? new EtlOperations(after.ctx, silentLogger);
      await ops.recover();
      if (shared) {
        // Another process cannot tell a dead owner from a slow one until its heartbeat
        // is stale: age it as the clock would.
        await after.client.query(
          `UPDATE etl_operations SET heartbeat_at = heartbeat_at - interval '1 hour' WHERE id = $1`,
          [started.id],
        );
      }
      const gone = await ops.get(started.id);
      assert.equal(gone?.status, 'failed');
      assert.match(gone?.error ?? '', /stopped before it finished/);
      assert.ok(gone?.endedAt, 'it has an end');
      assert.equal(gone?.step, null);
      const listed = (await ops.list()).find((o) => o.id === started.id);
      assert.equal(listed?.status, 'failed');
      if (live && peerOps) {
        assert.equal((await peerOps.get(live.id))?.status, 'running', 'a live peer’s run goes on');
        open();
        await peerOps.settle();
        assert.equal((await peerOps.get(live.id))?.status, 'succeeded');
      }
      await after.close();
    });

    it('shows each process the operations the other started, as they go and once done', async (t) => {
      if (!store) return t.skip(target.skipReason());
      const a = await processOn();
      // On PGlite one process holds the store: both views share its client.
      const b = store.child.backend === 'postgres' ? await processOn() : await processOn(a.client);
      let open = () => {};
      const gate = new Promise<void>((r) => {
        open = r;
      });
      const opsA = new EtlOperations(gated(a.ctx, gate), silentLogger);
      const opsB = new EtlOperations(b.ctx, silentLogger);
      const fromA = await opsA.start(JOB, { from: '2025-06-02', to: '2025-06-04' });
      const seen = await opsB.get(fromA.id);
      assert.equal(seen?.status, 'running');
      assert.equal(seen?.total, 3);
      const fromB = await opsB.start(JOB);
      await opsB.settle();
      assert.ok((await opsA.list()).some((o) => o.id === fromB.id));
      assert.equal((await opsA.get(fromB.id))?.status, 'succeeded');
      open();
      await opsA.settle();
      const done = await opsB.get(fromA.id);
      assert.equal(done?.status, 'succeeded');
      assert.equal(done?.done, 3);
      const ids = (await opsB.list()).map((o) => o.id);
      assert.ok(ids.indexOf(fromB.id) < ids.indexOf(fromA.id), 'newest first');
      await b.close();
      await a.close();
    });
  });
}
