/**
 * Disk full: the data directory on a 96 MB tmpfs that a filler file fills mid-run.
 * Ingest answers 503 with Retry-After while the disk is full, the process keeps running
 * (no fatal line), everything resumes by itself once the filler is deleted, and the lake
 * holds every acknowledged record exactly once after a clean stop.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { mountSmallDisk } from '../../../ops/testing/small-disk.js';
import { Load } from '../load.js';
import { baseConfig, startPlatformChild } from '../platform-child.js';
import { countLake, runScenario, secs } from '../scenario.js';

const FULL_FOR_MS = 8000;

await runScenario(
  'disk-full',
  'no crash; 503 + Retry-After while full; resumes by itself; no acked record lost or duplicated',
  async ({ check, measure, skip }) => {
    const disk = mountSmallDisk(96);
    if (typeof disk === 'string') return skip(disk);
    try {
      const p = await startPlatformChild(disk.dir, baseConfig(`${disk.dir}/data`));
      const load = new Load(p.ingestUrl, 'disk').start();
      await delay(3000);
      disk.fill();
      const fullAt = Date.now();
      await delay(FULL_FOR_MS);
      const during = load.counts(fullAt + 1000);
      disk.free();
      const freedAt = Date.now();
      for (let i = 0; i < 120 && load.firstAckAfter(freedAt) === undefined; i++) await delay(500);
      const recovered = load.firstAckAfter(freedAt);
      await delay(3000);
      await load.stop();
      const alive = p.exitCode() === undefined;
      const code = await p.stop();
      const lake = await countLake(p.config, load.acked);
      measure('acked', load.acked.size);
      measure('503 while full', during[503] ?? 0);
      measure(
        'other answers while full',
        Object.values(during).reduce((a, b) => a + b, 0) - (during[503] ?? 0) - (during[202] ?? 0),
      );
      measure('recovery', secs(recovered === undefined ? undefined : recovered - freedAt));
      measure('lake missing/dup', `${lake.missing}/${lake.duplicates}`);
      measure('fatal', p.fatals.length);
      check(alive, 'the platform was still running after the disk filled');
      check(p.fatals.length === 0, `no fatal line (${p.fatals[0] ?? ''})`);
      check((during[503] ?? 0) > 0, 'ingest answered 503 while the disk was full');
      check(
        load.unexpected() === 0,
        `every refusal was a 503 with Retry-After (${JSON.stringify(load.counts())})`,
      );
      check(recovered !== undefined, 'ingest accepted again after the disk was freed');
      check(code === 0, `clean exit on SIGTERM (got ${code})`);
      check(lake.missing === 0, `${lake.missing} acknowledged records missing from the lake`);
      check(lake.duplicates === 0, `${lake.duplicates} duplicate rows in the lake`);
      if (p.fatals.length || code !== 0 || lake.missing > 0 || lake.duplicates > 0)
        for (const l of p.problems.slice(-12)) console.error(l);
    } finally {
      disk.unmount();
    }
  },
);
