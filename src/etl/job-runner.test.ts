import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createGenerator } from '../generator/generator.js';
import type { Logger } from '../ops/logger.js';
import { silentLogger } from '../ops/logger.js';
import { defaultPondJobs } from './default-ponds.js';
import type { EtlEngine } from './etl-engine.js';
import { createEtlMetrics } from './etl-metrics.js';
import type { EtlStore } from './etl-store.js';
import type { JobDefinition } from './job.js';
import { JobRunner } from './job-runner.js';
import { listInputPartitions } from './lake-inputs.js';
import { type EtlFixture, openEtlFixture } from './testing/etl-fixture.js';
import { writeLakeRecords } from './testing/lake-fixture.js';

let fx: EtlFixture;
before(async () => {
  fx = await openEtlFixture();
  const t0 = Date.parse('2025-06-02T00:00:00Z');
  const g = createGenerator({ seed: 5, start: new Date(t0) });
  await writeLakeRecords(
    fx.dataDir,
    Array.from({ length: 200 }, (_, i) => g.next(new Date(t0 + i * 20 * 60_000))),
  );
});
after(() => fx?.close());

/** A runner on the fixture whose info and warn lines the test reads; `engine` by default the fixture's. */
function watched(engine: EtlEngine = fx.engine) {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    ...silentLogger,
    info: (msg, fields) => lines.push({ level: 'info', msg, ...(fields ? { fields } : {}) }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, ...(fields ? { fields } : {}) }),
    child: () => logger,
  };
  return {
    runner: new JobRunner({ store: fx.store, engine, lakeRoot: fx.lakeRoot, logger }),
    lines,
  };
}

describe('JobRunner, two runs of one job in one process', () => {
  it('runs the second after the first ends, so neither removes the other’s staging', async () => {
    const job = defaultPondJobs().find((j) => j.name === 'market_demand_daily')!;
    const events: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let firstBuilding = () => {};
    const building = new Promise<void>((r) => {
      firstBuilding = r;
    });
    let secondGoes = (_why: string) => {};
    const second = new Promise<string>((r) => {
      secondGoes = r;
    });
    let builds = 0;
    // The first build stays open until the test lets it end.
    const engine: EtlEngine = Object.create(fx.engine);
    engine.build = async (...args) => {
      const n = ++builds;
      events.push(`build ${n} starts`);
      const out = await fx.engine.build(...args);
      if (n === 1) {
        firstBuilding();
        await gate;
      }
      events.push(`build ${n} ends`);
      return out;
    };
    let leases = 0;
    const store: EtlStore = Object.create(fx.store);
    store.acquireLease = (...args) => {
      if (++leases === 2) secondGoes('the second run took the lease');
      events.push(`lease ${leases}`);
      return fx.store.acquireLease(...args);
    };
    const logger: Logger = {
      ...silentLogger,
      info(msg) {
        if (/waits for/.test(msg)) secondGoes('the second run waits');
      },
      child: () => logger,
    };
    const runner = new JobRunner({ store, engine, lakeRoot: fx.lakeRoot, logger });

    const a = runner.run(job);
    await building;
    const b = runner.run(job, {
      range: { from: '2025-06-02', to: '2025-06-03' },
      kind: 'backfill',
    });
    assert.equal(await second, 'the second run waits', events.join(', '));
    release();
    const [ra, rb] = await Promise.all([a, b]);
    assert.ok(ra.rows > 0 && rb.rows > 0);
    assert.deepEqual(events, [
      'lease 1',
      'build 1 starts',
      'build 1 ends',
      'lease 2',
      'build 2 starts',
      'build 2 ends',
    ]);
    const runs = await fx.store.runs({ job: job.name });
    assert.deepEqual(
      runs.slice(0, 2).map((r) => r.status),
      ['succeeded', 'succeeded'],
    );
    // Both released: a runner of another process may take the job now.
    assert.equal(await fx.store.acquireLease(job.name, 'another', 60_000), 'another');
    await fx.store.releaseLease(job.name, 'another');
  });

  it('goes on after a failed run of the same job', async () => {
    const job = defaultPondJobs().find((j) => j.name === 'carrier_share')!;
    const engine: EtlEngine = Object.create(fx.engine);
    let n = 0;
    engine.build = async (...args) => {
      if (++n === 1) throw new Error('disk on fire');
      return fx.engine.build(...args);
    };
    const runner = new JobRunner({
      store: fx.store,
      engine,
      lakeRoot: fx.lakeRoot,
      logger: silentLogger,
    });
    const a = runner.run(job);
    const b = runner.run(job);
    await assert.rejects(a, /carrier_share/);
    assert.ok((await b).rows > 0);
  });

  it('a runner of another process meets JobBusyError while the job runs, and nothing is recorded', async () => {
    const job = defaultPondJobs().find((j) => j.name === 'fare_trends')!;
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let building = () => {};
    const started = new Promise<void>((r) => {
      building = r;
    });
    const engine: EtlEngine = Object.create(fx.engine);
    engine.build = async (...args) => {
      building();
      await gate;
      return fx.engine.build(...args);
    };
    const runner = (id: string, e: EtlEngine) =>
      new JobRunner({
        store: fx.store,
        engine: e,
        lakeRoot: fx.lakeRoot,
        logger: silentLogger,
        runnerId: id,
      });
    const first = runner('process-a', engine).run(job);
    await started;
    const before = (await fx.store.runs({ job: job.name })).length;
    await assert.rejects(runner('process-b', fx.engine).run(job), {
      name: 'JobBusyError',
      message: /process-a/,
    });
    assert.equal((await fx.store.runs({ job: job.name })).length, before, 'no run recorded');
    release();
    await first;
    assert.ok((await runner('process-b', fx.engine).run(job)).runId > 0, 'free once it ended');
  });
});

describe('JobRunner, a build over the memory limit', () => {
  it('warns and counts it in faresight_etl_builds_over_limit_total, and publishes the build', async () => {
    const job = defaultPondJobs().find((j) => j.name === 'carrier_share')!;
    // The engine's own test runs a build out of memory; here its result says it was.
    const engine: EtlEngine = Object.create(fx.engine);
    engine.build = async (...args) => ({
      ...(await fx.engine.build(...args)),
      overLimit: 'Out of Memory Error: failed to allocate data of size 32.0 KiB',
    });
    const warned: string[] = [];
    const logger: Logger = {
      ...silentLogger,
      warn(msg, fields) {
        warned.push(`${msg} ${fields?.job}: ${fields?.error}`);
      },
      child: () => logger,
    };
    const registry = new Registry();
    const runner = new JobRunner({
      store: fx.store,
      engine,
      lakeRoot: fx.lakeRoot,
      logger,
      metrics: createEtlMetrics(registry),
    });
    const r = await runner.run(job, {
      range: { from: '2025-06-02', to: '2025-06-04' },
      kind: 'backfill',
    });
    assert.ok(r.rows > 0);
    assert.deepEqual(warned, [
      'pond build did not fit in etl.memoryLimit; it was run again without one carrier_share: Out of Memory Error: failed to allocate data of size 32.0 KiB',
    ]);
    const m = await registry.getSingleMetric('faresight_etl_builds_over_limit_total')!.get();
    assert.deepEqual(
      m.values.map((v) => [v.labels.job, v.value]),
      [['carrier_share', 1]],
    );
  });
});

describe('JobRunner, a stop during a build', () => {
  it('interrupts the query, records the run as stopped, and the next run builds', async () => {
    const job = defaultPondJobs().find((j) => j.name === 'market_demand_daily')!;
    // a job that hashes for seconds before its first row: the stop catches it mid-query
    const slow = {
      ...job,
      name: 'slow_market_demand',
      pond: 'slow_market_demand',
      sql: `SELECT * FROM (${job.sql}) AS j WHERE (SELECT sum(hash(range)) FROM range(0, 3000000000)) <> 0`,
    };
    const { runner, lines } = watched();
    const stop = new AbortController();
    const running = runner.run(slow, { signal: stop.signal });
    setTimeout(() => stop.abort(), 500);
    await assert.rejects(running, { name: 'JobRunError' });
    const [run] = await fx.store.runs({ job: slow.name });
    assert.equal(run!.status, 'stopped');
    assert.match(run!.error ?? '', /interrupt/i);
    const [h] = await fx.store.health([slow.name]);
    assert.equal(h!.consecutiveFailures, 0, 'a stop is not a failure');
    // a stop is the process's doing, not the job's: logged at info, no warning
    assert.deepEqual(
      lines.filter((l) => /job run/.test(l.msg)).map((l) => `${l.level} ${l.msg}`),
      ['info job run stopped'],
    );
    // nothing was swapped in; the same job without the stop writes its partitions
    const done = await fx.runner.run({ ...slow, sql: job.sql });
    assert.ok(done.rows > 0);
  });
});

describe('JobRunner, a run over many output partitions', () => {
  /** Rows of a pond in one order, so that two builds of it compare. */
  const sorted = async (pond: string) =>
    (await fx.readPond(pond)).map((r) => JSON.stringify(r)).sort();

  it('builds them in groups of buildDays, each from the input partitions its keys need, with the rows of one build', async () => {
    const job = defaultPondJobs().find((j) => j.name === 'market_demand_daily')!;
    const once = { ...job, name: 'demand_once', pond: 'demand_once' };
    const grouped = { ...job, name: 'demand_grouped', pond: 'demand_grouped' };
    const calls: { keys: string[]; dts: string[] }[] = [];
    const engine: EtlEngine = Object.create(fx.engine);
    engine.build = async (j, files, keys, ...rest) => {
      const dts = Object.values(files)
        .flat()
        .map((f) => /dt=(\d{4}-\d{2}-\d{2})/.exec(f!)![1]!);
      calls.push({ keys: [...keys], dts: [...new Set(dts)].sort() });
      return fx.engine.build(j, files, keys, ...rest);
    };
    const runner = (buildDays: number) =>
      new JobRunner({
        store: fx.store,
        engine,
        lakeRoot: fx.lakeRoot,
        logger: silentLogger,
        buildDays,
      });
    const range = { from: '2025-06-01', to: '2025-06-06' };

    const a = await runner(31).run(once, { range });
    assert.equal(calls.length, 1, 'one build covers 6 days when buildDays is 31');
    calls.length = 0;
    const b = await runner(2).run(grouped, { range });
    assert.deepEqual(
      calls.map((c) => c.keys),
      [
        ['2025-06-01', '2025-06-02'],
        ['2025-06-03', '2025-06-04'],
        ['2025-06-05', '2025-06-06'],
      ],
    );
    // market_demand_daily keeps records received up to lateDays after the key
    for (const c of calls) {
      const lo = new Date(Date.parse(`${c.keys[0]}T00:00:00Z`) - 86_400_000)
        .toISOString()
        .slice(0, 10);
      const last = Date.parse(`${c.keys[c.keys.length - 1]}T00:00:00Z`);
      const hi = new Date(last + job.lateDays * 86_400_000).toISOString().slice(0, 10);
      assert.ok(
        c.dts.every((d) => d >= lo && d <= hi),
        `build of ${c.keys.join(', ')} read ${c.dts.join(', ')}`,
      );
    }
    assert.ok(a.rows > 0);
    assert.equal(b.rows, a.rows);
    assert.deepEqual(b.outputPartitions, a.outputPartitions);
    assert.deepEqual(
      (await sorted('demand_grouped')).map((r) => r.replace('demand_grouped', '')),
      (await sorted('demand_once')).map((r) => r.replace('demand_once', '')),
    );
    assert.deepEqual(
      fs
        .readdirSync(path.join(fx.lakeRoot, 'ponds', 'demand_grouped'))
        .filter((n) => n.startsWith('.')),
      [],
      'no staging left',
    );
  });

  it('a week grain builds one week at a time when buildDays is under 14', async () => {
    const job = defaultPondJobs().find((j) => j.grain === 'week');
    if (!job) return assert.fail('the default ponds have a weekly job');
    const calls: string[][] = [];
    const engine: EtlEngine = Object.create(fx.engine);
    engine.build = async (j, files, keys, ...rest) => {
      calls.push([...keys]);
      return fx.engine.build(j, files, keys, ...rest);
    };
    const runner = new JobRunner({
      store: fx.store,
      engine,
      lakeRoot: fx.lakeRoot,
      logger: silentLogger,
      buildDays: 7,
    });
    await runner.run(
      { ...job, name: 'weekly_grouped', pond: 'weekly_grouped' },
      {
        range: { from: '2025-05-26', to: '2025-06-15' },
      },
    );
    assert.deepEqual(calls, [['2025-05-26'], ['2025-06-02'], ['2025-06-09']]);
  });
});

describe('JobRunner, a change over many input files', () => {
  it('scans them for the partitions they touch in groups of scanFiles, and finds the keys one scan finds', async () => {
    const job = defaultPondJobs().find((j) => j.name === 'market_demand_daily')!;
    const scans: number[] = [];
    const engine: EtlEngine = Object.create(fx.engine);
    engine.affectedKeys = async (j, files, signal) => {
      scans.push(Object.values(files).flat().length);
      return fx.engine.affectedKeys(j, files, signal);
    };
    const runner = (scanFiles: number) =>
      new JobRunner({
        store: fx.store,
        engine,
        lakeRoot: fx.lakeRoot,
        logger: silentLogger,
        scanFiles,
      });
    const one = await runner(100_000).run({ ...job, name: 'scan_once', pond: 'scan_once' });
    assert.equal(scans.length, 1);
    const files = scans[0]!;
    scans.length = 0;
    const grouped = await runner(5).run({ ...job, name: 'scan_grouped', pond: 'scan_grouped' });
    assert.ok(scans.length >= Math.ceil(files / 5), `${scans.length} scans of ${files} files`);
    assert.equal(
      scans.reduce((a, b) => a + b, 0),
      files,
      'every changed file scanned once',
    );
    assert.ok(one.outputPartitions.length > 1);
    assert.deepEqual(grouped.outputPartitions, one.outputPartitions);
    assert.deepEqual(grouped.inputPartitions, one.inputPartitions);
    assert.equal(grouped.rows, one.rows);
  });
});

describe('JobRunner, a job whose definition changed', () => {
  const base = defaultPondJobs().find((j) => j.name === 'market_demand_daily')!;
  /** `job` with one more column, `definition` = n. */
  const redefine = (job: JobDefinition, n: number): JobDefinition => ({
    ...job,
    sql: `SELECT *, ${n} AS definition FROM (\n${base.sql}\n)`,
  });

  it('rebuilds every partition its inputs hold, and says so; the same definition again rebuilds none', async () => {
    const { runner, lines } = watched();
    const job = { ...base, name: 'redefined', pond: 'redefined' };
    const first = await runner.run(job);
    assert.ok(first.outputPartitions.length > 1);
    assert.deepEqual((await runner.run(job)).outputPartitions, [], 'no new input: nothing built');

    lines.length = 0;
    const second = await runner.run(redefine(job, 2));
    assert.deepEqual(second.outputPartitions, first.outputPartitions);
    assert.equal(first.redefined, false);
    assert.equal(second.redefined, true);
    const rows = await fx.readPond('redefined');
    assert.ok(rows.length > 0);
    assert.ok(
      rows.every((r) => Number(r.definition) === 2),
      'every partition was built by the new definition',
    );
    const said = lines.find((l) => /definition changed/.test(l.msg));
    assert.ok(said, lines.map((l) => l.msg).join('\n'));
    assert.equal(said.level, 'info');
    const cols = (await fx.store.tables()).find((t) => t.name === 'redefined')?.columns ?? [];
    assert.ok(
      cols.some((c) => c.name === 'definition'),
      'the catalog has the new column',
    );
    const third = await runner.run(redefine(job, 2));
    assert.deepEqual(third.outputPartitions, []);
    assert.equal(third.redefined, false);
  });

  it('rebuilds once after watermarks written before definitions were recorded', async () => {
    const { runner } = watched();
    const job = { ...base, name: 'upgraded', pond: 'upgraded' };
    const first = await runner.run(job);
    // what an earlier Faresight recorded: the lake fingerprints alone
    const lake = [
      ...(await listInputPartitions(fx.lakeRoot, 'searches')),
      ...(await listInputPartitions(fx.lakeRoot, 'offers')),
    ];
    await fx.sql.query('DELETE FROM etl_watermarks WHERE job = $1', [job.name]);
    for (const p of lake)
      await fx.sql.query(
        'INSERT INTO etl_watermarks (job, partition_key, fingerprint) VALUES ($1, $2, $3)',
        [job.name, p.key, p.fingerprint],
      );
    const rebuilt = await runner.run(job);
    assert.deepEqual(rebuilt.outputPartitions, first.outputPartitions);
    assert.deepEqual((await runner.run(job)).outputPartitions, []);
  });

  it('a rebuild that fails part-way is started again whole by the next run', async () => {
    const job = { ...base, name: 'refailed', pond: 'refailed' };
    const first = await watched().runner.run(job);
    assert.ok(first.outputPartitions.length > 1);
    // the second build group fails: the first group is already swapped in
    let builds = 0;
    const failing: EtlEngine = Object.create(fx.engine);
    failing.build = async (...args) => {
      if (++builds === 2) throw new Error('disk full');
      return fx.engine.build(...args);
    };
    const broken = new JobRunner({
      store: fx.store,
      engine: failing,
      lakeRoot: fx.lakeRoot,
      logger: silentLogger,
      buildDays: 1,
    });
    await assert.rejects(broken.run(redefine(job, 4)), { name: 'JobRunError' });
    assert.equal(builds, 2);
    const retried = await watched().runner.run(redefine(job, 4));
    assert.equal(retried.redefined, true);
    assert.deepEqual(retried.outputPartitions, first.outputPartitions);
    const rows = await fx.readPond('refailed');
    assert.ok(rows.length > 0 && rows.every((r) => Number(r.definition) === 4));
  });

  it('warns naming the partitions it could not rebuild, whose inputs are gone from the lake', async () => {
    const { runner, lines } = watched();
    const job = { ...base, name: 'outlived', pond: 'outlived' };
    const first = await runner.run(job);
    // a partition whose input partitions the lake lifecycle deleted since it was built
    const dir = path.join(fx.lakeRoot, 'ponds', 'outlived');
    fs.cpSync(
      path.join(dir, `shop_date=${first.outputPartitions[0]}`),
      path.join(dir, 'shop_date=2024-01-01'),
      { recursive: true },
    );
    lines.length = 0;
    await runner.run(redefine(job, 3));
    const warned = lines.find((l) => l.level === 'warn' && /older definition/.test(l.msg));
    assert.ok(warned, lines.map((l) => l.msg).join('\n'));
    assert.deepEqual(warned.fields?.partitions, ['2024-01-01']);
    lines.length = 0;
    await runner.run(redefine(job, 3));
    assert.equal(
      lines.filter((l) => l.level === 'warn').length,
      0,
      'warned once, when the definition changed',
    );
  });
});
