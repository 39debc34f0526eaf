/**
 * The demand forecast is an ETL task: two ETL processes sharing a row store run one slot
 * once, and `faresight up` (the embedded default, `npm start`) still produces the
 * forecasts, through its ETL scheduler rather than a timer of its own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { FORECAST_TASK } from '../analytics/forecast/run-forecast-job.js';
import { type Config, configSchema } from '../config/config.js';
import { DEFAULT_PONDS } from '../etl/default-ponds.js';
import { writeLakeRecords } from '../etl/testing/lake-fixture.js';
import { createGenerator } from '../generator/generator.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { type Logger, silentLogger } from '../ops/logger.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import type { SqlClient } from '../sql/sql-client.js';
import { openEtlContext, startEtlRole } from './compose/etl-context.js';
import { EtlOperations, runJobNow } from './compose/etl-operations.js';
import { startPlatform } from './platform.js';

const root = mkdtempSync(join(tmpdir(), 'fs-forecast-task-'));
after(() => rmSync(root, { recursive: true, force: true }));

const DAYS = 21;

/** Five searches a day JFK-LAX over the last DAYS days (yesterday back), in the lake of `dataDir`. */
async function seedLake(dataDir: string): Promise<void> {
  const gen = createGenerator({ seed: 7 });
  const records: ShoppingRecord[] = [];
  const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T12:00:00Z`);
  for (let d = 1; d <= DAYS; d++)
    for (let i = 0; i < 5; i++) {
      const at = new Date(today - d * 86_400_000 + i * 60_000).toISOString();
      records.push({
        ...gen.next(new Date(at)),
        origin: 'JFK',
        destination: 'LAX',
        shoppedAt: at,
        receivedAt: at,
      });
    }
  await writeLakeRecords(dataDir, records);
}

/** Ponds far off (no pond job fires during the test), ports on 0. */
function configFor(dataDir: string): Config {
  return configSchema.parse({
    dataDir,
    ingest: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    sql: { host: '127.0.0.1', port: 0 },
    etl: {
      scheduler: 'embedded',
      schedules: Object.fromEntries(DEFAULT_PONDS.map((p) => [p, '0 0 1 1 *'])),
    },
  });
}

/** Forecast runs recorded in etl_runs, oldest first. */
async function forecastRuns(sql: SqlClient) {
  return sql.query<{ status: string; rows_out: string | number; slot: string; runner: string }>(
    'SELECT status, rows_out, slot, runner FROM etl_runs WHERE job = $1 ORDER BY id',
    [FORECAST_TASK],
  );
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + 120_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

/** A logger that keeps every message (with its component path). */
function recordingLogger(lines: string[], component = ''): Logger {
  const put = (msg: string) => lines.push(`${component} ${msg}`);
  return {
    debug: put,
    info: put,
    warn: put,
    error: put,
    child: (c) => recordingLogger(lines, `${component}/${c}`),
  };
}

describe('the demand forecast as an ETL task', () => {
  it('runs one slot once across two ETL processes sharing the row store', {
    timeout: 180_000,
  }, async () => {
    const dataDir = join(root, 'fleet');
    await seedLake(dataDir);
    const sql = await PGliteClient.open();
    const lines: string[] = [];
    const start = (name: string) =>
      startEtlRole({
        config: configFor(dataDir),
        sql,
        logger: recordingLogger(lines, name),
        forecastCatchUpMs: 0,
      });
    const a = await start('a');
    const b = await start('b');
    try {
      const [run] = await until('a finished forecast run', async () => {
        const runs = await forecastRuns(sql);
        return runs.some((r) => r.status !== 'running') ? runs : undefined;
      });
      // Both processes fired the slot: one ran it, the other found it claimed.
      await until('the second process to find the slot claimed', async () =>
        lines.some((l) => l.includes('slot already claimed')) ? true : undefined,
      );
      // One run for each slot: the next hourly slot may begin while the test runs (seen
      // when it started at 18:14 and 18:15's slot fired too), so count per slot.
      const runs = await forecastRuns(sql);
      const slots = new Set(runs.map((r) => r.slot));
      assert.equal(runs.length, slots.size, `one run for each slot: ${JSON.stringify(runs)}`);
      assert.equal(run!.status, 'succeeded');
      // Market JFK-LAX and airports JFK and LAX.
      assert.equal(Number(run!.rows_out), 3);
      const [f] = await sql.query<{ n: string | number }>(
        "SELECT count(*) AS n FROM demand_forecasts WHERE scope = 'market' AND key = 'JFK-LAX'",
      );
      assert.equal(Number(f!.n), 28);
    } finally {
      await a.stop();
      await b.stop();
      await sql.close();
    }
  });

  it('still fills the demand forecasts in `up`, from its ETL scheduler and no timer of its own', {
    timeout: 180_000,
  }, async () => {
    const dataDir = join(root, 'up');
    await seedLake(dataDir);
    const platform = await startPlatform(configFor(dataDir), silentLogger, {
      forecastCatchUpMs: 0,
    });
    try {
      const names = platform.services().map((s) => s.name);
      assert.ok(names.includes('etl'), `services: ${names.join(', ')}`);
      assert.ok(!names.includes('forecast'), `a forecast timer runs beside ETL: ${names}`);
      const sql = platform.rowStore.client;
      const run = await until('the forecast run of up', async () =>
        (await forecastRuns(sql)).find((r) => r.status !== 'running'),
      );
      assert.equal(run.status, 'succeeded');
      const res = await fetch(`${platform.apiUrl}/v1/markets/JFK-LAX/demand`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { forecast?: unknown[] };
      assert.equal(body.forecast?.length, 28, JSON.stringify(body).slice(0, 300));
      const metrics = await (await fetch(`${platform.apiUrl}/metrics`)).text();
      assert.match(
        metrics,
        /faresight_etl_runs_total\{job="demand_forecast",status="succeeded"\} 1/,
      );
    } finally {
      await platform.stop();
    }
  });

  it('runs now as `faresight etl run demand_forecast` and the admin API do, recorded as a manual run', {
    timeout: 180_000,
  }, async () => {
    const dataDir = join(root, 'now');
    await seedLake(dataDir);
    const sql = await PGliteClient.open();
    const ctx = await openEtlContext({ config: configFor(dataDir), sql, logger: silentLogger });
    try {
      const r = await runJobNow(ctx, FORECAST_TASK, silentLogger);
      assert.deepEqual(r, { rows: 3, message: 'demand_forecast: 3 series forecast' });
      const runs = await sql.query<{ status: string; kind: string; rows_out: string | number }>(
        'SELECT status, kind, rows_out FROM etl_runs WHERE job = $1',
        [FORECAST_TASK],
      );
      assert.deepEqual(
        runs.map((x) => [x.status, x.kind, Number(x.rows_out)]),
        [['succeeded', 'manual', 3]],
      );
      // the admin API's run (what `etl run` beside `up` asks for) accepts the name too
      const ops = new EtlOperations(ctx, silentLogger);
      const op = await ops.start(FORECAST_TASK);
      assert.equal(op.job, FORECAST_TASK);
      await until('the operation to end', async () => {
        const o = (await ops.list()).find((x) => x.id === op.id);
        return o && o.status !== 'running' ? o : undefined;
      }).then((o) => assert.equal(o.status, 'succeeded', o.message ?? undefined));
      // a pond backfill of it is still refused: it has no partitions
      await assert.rejects(ops.start(FORECAST_TASK, { from: '2026-01-01', to: '2026-01-02' }), {
        name: 'ConsoleInputError',
      });
    } finally {
      await ctx.close();
      await sql.close();
    }
  });
});
