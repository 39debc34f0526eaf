/**
 * A pond run lists its input files when it starts and reads them group by group, minutes
 * later over a long history. A compaction in between deletes listed files (after its
 * 30 s grace). The run then reads the partitions' current files and builds what it
 * would have built from the files it listed.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { createGenerator } from '../generator/generator.js';
import { compactLake } from '../lake/compaction/compact-lake.js';
import { DuckDBParquetMerger } from '../lake/duckdb/duckdb-parquet-merger.js';
import { LocalObjectStore } from '../lake/object-store/local/local-object-store.js';
import { silentLogger } from '../ops/logger.js';
import { defaultPondJobs } from './default-ponds.js';
import type { EtlEngine } from './etl-engine.js';
import { JobRunner } from './job-runner.js';
import { type EtlFixture, openEtlFixture } from './testing/etl-fixture.js';
import { writeLakeRecords } from './testing/lake-fixture.js';

/** An ETL fixture whose lake has two files in each hour (one per shard): something to merge. */
async function openLake(): Promise<EtlFixture> {
  const fx = await openEtlFixture();
  const t0 = Date.parse('2025-06-02T00:00:00Z');
  const g = createGenerator({ seed: 11, start: new Date(t0) });
  const records = Array.from({ length: 240 }, (_, i) => g.next(new Date(t0 + i * 15 * 60_000)));
  await writeLakeRecords(
    fx.dataDir,
    records.filter((_, i) => i % 2 === 0),
    { shard: 0 },
  );
  await writeLakeRecords(
    fx.dataDir,
    records.filter((_, i) => i % 2 === 1),
    { shard: 1 },
  );
  return fx;
}

/** The pond's rows in one order, to compare two builds. */
const sorted = (rows: Record<string, unknown>[]) =>
  rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();

describe('JobRunner, a compaction after the run listed its inputs', () => {
  for (const step of ['affectedKeys', 'build'] as const)
    it(`before its first ${step === 'build' ? 'build' : 'scan'}: reads the merged files, and builds the same rows`, async () => {
      const fx = await openLake();
      const merger = await DuckDBParquetMerger.open();
      try {
        const job = defaultPondJobs().find((j) => j.name === 'market_demand_daily')!;
        const reference = await fx.runner.run({ ...job, name: 'reference', pond: 'reference' });
        assert.ok(reference.outputPartitions.length > 1);
        const expected = sorted(await fx.readPond('reference'));
        assert.ok(expected.length > 0);

        // a compaction merges every closed hour and deletes the sources the run listed
        // (no grace), before the run's first use of the engine's `step`
        let deleted = 0;
        const engine: EtlEngine = Object.create(fx.engine);
        const inner = fx.engine[step].bind(fx.engine) as (...a: unknown[]) => Promise<unknown>;
        (engine as unknown as Record<string, unknown>)[step] = async (...args: unknown[]) => {
          if (deleted === 0) {
            const r = await compactLake({
              store: new LocalObjectStore(fx.lakeRoot),
              merger,
              stagingDir: path.join(fx.dataDir, 'staging-compact'),
              logger: silentLogger,
              graceMs: 0,
              tables: ['searches', 'offers'],
            });
            deleted = r.deleted;
          }
          return inner(...args);
        };
        const runner = new JobRunner({
          store: fx.store,
          engine,
          lakeRoot: fx.lakeRoot,
          logger: silentLogger,
        });
        const run = await runner.run({ ...job, name: 'during', pond: 'during' });
        assert.ok(deleted > 0, 'the compaction deleted listed files');
        assert.deepEqual(run.inputPartitions, reference.inputPartitions);
        assert.deepEqual(run.outputPartitions, reference.outputPartitions);
        assert.deepEqual(sorted(await fx.readPond('during')), expected);
        // its watermarks are what it listed: the next run sees the merged partitions as
        // changed and builds them again, the same rows
        const next = await runner.run({ ...job, name: 'during', pond: 'during' });
        assert.equal(next.inputPartitions.length, reference.inputPartitions.length);
        assert.deepEqual(sorted(await fx.readPond('during')), expected);
      } finally {
        await merger.close();
        await fx.close();
      }
    });
});
