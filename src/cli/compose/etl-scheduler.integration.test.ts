import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { configSchema } from '../../config/config.js';
import { writeLakeRecords } from '../../etl/testing/lake-fixture.js';
import { createGenerator } from '../../generator/generator.js';
import { silentLogger } from '../../ops/logger.js';
import type { Service } from '../../ops/service.js';
import { PostgresClient } from '../../sql/postgres/postgres-client.js';
import { createTestSchemaFor, type TestSchema } from '../../sql/testing/postgres-schema.js';
import { startEtlRole } from './etl-context.js';

let schema: TestSchema | undefined;
let skip: string | false = false;
let dataDir = '';

before(async () => {
  const s = await createTestSchemaFor('the pg-boss scheduler test');
  if ('skip' in s) {
    skip = s.skip;
    return;
  }
  schema = s;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-etl-pg-'));
  const g = createGenerator({ seed: 11, start: new Date('2025-06-02T00:00:00Z') });
  const t0 = Date.parse('2025-06-02T00:00:00Z');
  await writeLakeRecords(
    dataDir,
    Array.from({ length: 60 }, (_, i) => g.next(new Date(t0 + i * 60_000))),
  );
});
after(async () => {
  if (schema) {
    const c = new pg.Client({ connectionString: schema.url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema.schema}_boss CASCADE`).finally(() => c.end());
    await schema.drop();
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const YEARLY = '0 0 1 1 *';

/** The test's configuration: every pond job once a year, but for `schedules`. */
function etlConfig(s: TestSchema, schedules: Record<string, string>, etl: object = {}) {
  return configSchema.parse({
    dataDir,
    rowStore: { backend: 'postgres', url: s.url },
    etl: {
      schedules: {
        market_demand_daily: YEARLY,
        airport_demand_weekly: YEARLY,
        fare_trends: YEARLY,
        carrier_share: YEARLY,
        ...schedules,
      },
      ...etl,
    },
  });
}

/** Two ETL processes' SQL clients on the test schema (the caller closes them). */
const twoClients = (s: TestSchema) =>
  [0, 1].map(() => new PostgresClient({ connectionString: s.url, schema: s.schema, max: 4 }));

/** Starts one ETL role per client, each with its own pg-boss on the test schema. */
async function startEach(
  s: TestSchema,
  clients: readonly PostgresClient[],
  config: ReturnType<typeof etlConfig>,
  services: Service[],
  more: { forecastCatchUpMs?: number } = {},
): Promise<void> {
  for (const sql of clients)
    services.push(
      await startEtlRole({
        config,
        sql,
        logger: silentLogger,
        pgBossSchema: `${s.schema}_boss`,
        ...more,
      }),
    );
}

describe('two ETL schedulers on PostgreSQL (pg-boss)', () => {
  it('share the cron slots and run none twice', async (t) => {
    if (skip) return t.skip(skip);
    const s = schema!;
    const config = etlConfig(s, { market_demand_daily: '* * * * * *' }, { retryDelayMs: 100 });
    const clients = twoClients(s);
    const services: Service[] = [];
    try {
      await startEach(s, clients, config, services);
      // Wait for three claimed slots rather than for a fixed time: on a loaded
      // machine pg-boss's cron tick can be late, and the test is about
      // sharing slots, not about how fast they come. The deadline only stops
      // a broken scheduler from hanging the suite.
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const [{ n }] = (await clients[0]!.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM etl_slots WHERE job = 'market_demand_daily'`,
        )) as [{ n: string }];
        if (Number(n) >= 3) break;
        await delay(500);
      }
      // Let a run that was claimed last finish before stopping.
      await delay(1000);
    } finally {
      for (const svc of services) await svc.stop();
    }
    const runs = await clients[0]!.query<{ slot: string; runner: string; status: string }>(
      `SELECT slot, runner, status FROM etl_runs WHERE job = 'market_demand_daily' AND kind = 'scheduled' AND attempt = 1`,
    );
    const slots = await clients[0]!.query<{ slot: string; claimed_by: string }>(
      `SELECT slot, claimed_by FROM etl_slots WHERE job = 'market_demand_daily'`,
    );
    for (const c of clients) await c.close();
    console.log(
      `# ${slots.length} slots claimed, ${runs.length} runs, by runner: ${JSON.stringify(
        Object.fromEntries(
          [...new Set(runs.map((r) => r.runner))].map((r) => [
            r,
            runs.filter((x) => x.runner === r).length,
          ]),
        ),
      )}`,
    );
    assert.ok(slots.length >= 3, `expected three slots before the deadline, got ${slots.length}`);
    assert.equal(new Set(runs.map((r) => r.slot)).size, runs.length, 'a slot ran twice');
    assert.ok(runs.length >= 1);
    assert.ok(
      runs.every((r) => r.status === 'succeeded'),
      JSON.stringify(runs),
    );
  });

  it('run the demand forecast once per slot, whichever process takes it', async (t) => {
    if (skip) return t.skip(skip);
    const s = schema!;
    const config = etlConfig(s, {});
    const clients = twoClients(s);
    const services: Service[] = [];
    const finished = async () =>
      clients[0]!.query<{ slot: string; runner: string; status: string }>(
        `SELECT slot, runner, status FROM etl_runs WHERE job = 'demand_forecast' AND status <> 'running'`,
      );
    try {
      // Both catch up at once: each dispatches the same latest slot.
      await startEach(s, clients, config, services, { forecastCatchUpMs: 0 });
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline && (await finished()).length === 0) await delay(200);
    } finally {
      for (const svc of services) await svc.stop();
    }
    const runs = await clients[0]!.query<{ slot: string; status: string }>(
      `SELECT slot, status FROM etl_runs WHERE job = 'demand_forecast'`,
    );
    const slots = await clients[0]!.query<{ slot: string }>(
      `SELECT slot FROM etl_slots WHERE job = 'demand_forecast'`,
    );
    for (const c of clients) await c.close();
    assert.equal(runs.length, 1, `one forecast run: ${JSON.stringify(runs)}`);
    assert.equal(runs[0]!.status, 'succeeded', JSON.stringify(runs));
    assert.equal(slots.length, 1);
  });
});
