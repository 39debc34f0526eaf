import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGenerator } from '../generator/generator.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { defaultPondJobs } from './default-ponds.js';
import type { JobDefinition } from './job.js';
import { type EtlFixture, openEtlFixture } from './testing/etl-fixture.js';
import { writeLakeRecords } from './testing/lake-fixture.js';
import {
  airportDemandWeekly,
  carrierShare,
  fareTrends,
  marketDemandDaily,
} from './testing/pond-oracle.js';

const START = Date.parse('2025-03-08T20:00:00Z'); // a Saturday evening: records span a week boundary
const HOUR = 3_600_000;

function generate(n: number, from: number, hours: number, seed: number): ShoppingRecord[] {
  const g = createGenerator({ seed, start: new Date(from) });
  return Array.from({ length: n }, (_, i) =>
    g.next(new Date(from + Math.floor((i * hours * HOUR) / n))),
  );
}

const num = (v: unknown) => Number(v);
let fx: EtlFixture;
let jobs: Map<string, JobDefinition>;
let records: ShoppingRecord[];

before(async () => {
  // the engine on its thread, as `up` and `etl run` run it
  fx = await openEtlFixture({ engine: 'thread' });
  jobs = new Map(defaultPondJobs().map((j) => [j.name, j]));
  records = generate(600, START, 30, 7);
  await writeLakeRecords(fx.dataDir, records);
  for (const j of jobs.values()) await fx.runner.run(j);
});
after(() => fx?.close());

describe('default ponds, column types', () => {
  it('counts are BIGINT in every pond (a sum() of integers is a HUGEINT, which Parquet stores as DOUBLE)', async () => {
    const tables = await fx.store.tables();
    const counts = tables.flatMap((t) =>
      t.columns
        .filter((c) => /(searches|passengers|offers)$/.test(c.name))
        .map((c) => `${t.name}.${c.name} ${c.type}`),
    );
    assert.ok(counts.length >= 8, counts.join(', '));
    assert.deepEqual(
      counts.filter((c) => !c.endsWith(' BIGINT')),
      [],
    );
  });
});

describe('default ponds match an independent computation', () => {
  it('market_demand_daily', async () => {
    const want = marketDemandDaily(records);
    const rows = await fx.readPond('market_demand_daily');
    assert.equal(rows.length, want.size);
    for (const r of rows) {
      const k = [r.shop_date, r.market, r.pos, r.cabin, r.trip_type, r.lead_time_bucket].join('|');
      assert.deepEqual(
        { searches: num(r.searches), passengers: num(r.passengers) },
        want.get(k),
        k,
      );
    }
  });

  it('airport_demand_weekly', async () => {
    const want = airportDemandWeekly(records);
    const rows = await fx.readPond('airport_demand_weekly');
    assert.equal(rows.length, want.size);
    assert.ok(new Set(rows.map((r) => r.week)).size >= 2, 'the data spans two weeks');
    for (const r of rows) {
      const w = want.get(`${r.week}|${r.airport}`);
      assert.ok(w, `${r.week}|${r.airport}`);
      assert.deepEqual(
        {
          outbound: num(r.outbound_searches),
          inbound: num(r.inbound_searches),
          business: num(r.business_searches),
          leisure: num(r.leisure_searches),
          top: r.top_markets,
        },
        w,
      );
    }
    const biz = rows.reduce((s, r) => s + num(r.business_searches), 0);
    assert.ok(biz > 0 && biz < rows.reduce((s, r) => s + num(r.leisure_searches), 0));
  });

  it('fare_trends', async () => {
    const want = fareTrends(records);
    const rows = await fx.readPond('fare_trends');
    assert.equal(rows.length, want.size);
    for (const r of rows) {
      const k = [
        r.shop_date,
        r.market,
        r.pos,
        r.cabin,
        r.trip_type,
        r.departure_week,
        r.lead_time_bucket,
        r.currency,
      ].join('|');
      assert.deepEqual(
        {
          offers: num(r.offers),
          min: num(r.min_fare),
          p25: num(r.p25_fare),
          median: num(r.median_fare),
        },
        want.get(k),
        k,
      );
    }
  });

  it('carrier_share', async () => {
    const want = carrierShare(records);
    const rows = await fx.readPond('carrier_share');
    assert.equal(rows.length, want.size);
    const totals = new Map<string, { o: number; c: number }>();
    for (const [k, v] of want) {
      const g = k.split('|').slice(0, 3).join('|');
      const t = totals.get(g) ?? { o: 0, c: 0 };
      t.o += v.offers;
      t.c += v.cheapest;
      totals.set(g, t);
    }
    for (const r of rows) {
      const k = [r.shop_date, r.market, r.pos, r.carrier].join('|');
      const w = want.get(k);
      const t = totals.get([r.shop_date, r.market, r.pos].join('|'))!;
      assert.deepEqual({ offers: num(r.offers), cheapest: num(r.cheapest_offers) }, w, k);
      assert.ok(Math.abs(num(r.offer_share) - w!.offers / t.o) < 1e-9);
      assert.ok(Math.abs(num(r.cheapest_share) - w!.cheapest / t.c) < 1e-9);
    }
  });
});

describe('incremental runs', () => {
  it('a rerun with no new input rewrites nothing and changes nothing', async () => {
    const job = jobs.get('market_demand_daily')!;
    const before = await fx.readPond(job.pond);
    const s = await fx.runner.run(job);
    assert.deepEqual(s.outputPartitions, []);
    assert.deepEqual(s.inputPartitions, []);
    assert.deepEqual(await fx.readPond(job.pond), before);
  });

  it('one new hour rewrites only its day, and the pond equals a full rebuild', async () => {
    const job = jobs.get('market_demand_daily')!;
    const late = generate(80, START + 40 * HOUR, 1, 8);
    await writeLakeRecords(fx.dataDir, late, { shard: 1 });
    const s = await fx.runner.run(job);
    assert.equal(s.inputPartitions.length, 2, 'searches and offers of one hour');
    assert.deepEqual(s.outputPartitions, [new Date(START + 40 * HOUR).toISOString().slice(0, 10)]);
    const all = [...records, ...late];
    const want = marketDemandDaily(all);
    const rows = await fx.readPond(job.pond);
    assert.equal(rows.length, want.size);
    for (const r of rows) {
      const k = [r.shop_date, r.market, r.pos, r.cabin, r.trip_type, r.lead_time_bucket].join('|');
      assert.equal(num(r.searches), want.get(k)?.searches, k);
    }
    // A backfill of the whole range gives the same rows (idempotent).
    await fx.runner.run(job, { range: { from: '2025-03-01', to: '2025-03-31' } });
    const again = await fx.readPond(job.pond);
    const sort = (x: Record<string, unknown>[]) => x.map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(sort(again), sort(rows));
  });

  it('records failed runs and counts consecutive failures', async () => {
    const bad: JobDefinition = {
      ...jobs.get('fare_trends')!,
      name: 'broken',
      pond: 'broken',
      sql: 'SELECT nope FROM offers',
    };
    await assert.rejects(fx.runner.run(bad), /ETL job broken run \d+ failed: .*nope/);
    await assert.rejects(fx.runner.run(bad));
    const [h] = await fx.store.health(['broken']);
    assert.equal(h?.consecutiveFailures, 2);
    assert.equal(h?.lastRun?.status, 'failed');
    assert.match(h?.lastRun?.error ?? '', /nope/);
  });
});
