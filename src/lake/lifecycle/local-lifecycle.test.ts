import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { LifecycleConfigError } from './errors.js';
import { daysBefore } from './lifecycle-policy.js';
import { applyLifecycleAction, planLocalLifecycle } from './local-lifecycle.js';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-lifecycle-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TODAY = '2026-12-31';

function put(dataDir: string, rel: string, body = 'x'): void {
  const f = path.join(dataDir, ...rel.split('/'));
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, body);
}

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

test('archives old partitions, deletes older ones from both tiers, never touches today', async () => {
  const dataDir = path.join(tmp, 'a');
  const dt = (days: number) => daysBefore(TODAY, days);
  for (const d of [0, 1, 30, 31, 100, 400])
    for (const table of ['offers', 'searches'])
      put(dataDir, `lake/${table}/vendor=sabre/dt=${dt(d)}/hour=05/0-1-2.parquet`);
  put(dataDir, `lake/offers/vendor=amadeus/dt=${dt(100)}/hour=23/1-5-9.parquet`, 'abc');
  put(dataDir, `lake/ingest_stats/dt=${dt(100)}/hour=01/0-1-1.parquet`);
  put(dataDir, `lake/offers/vendor=sabre/dt=${dt(-1)}/hour=00/0-1-2.parquet`, 'future');
  put(dataDir, `lake/ponds/acme/dt=${dt(400)}/x.parquet`);
  // Already archived earlier: merged with, and expired.
  put(dataDir, `archive/offers/vendor=amadeus/dt=${dt(100)}/hour=22/1-1-4.parquet`);
  put(dataDir, `archive/searches/vendor=sabre/dt=${dt(500)}/hour=05/0-1-2.parquet`);
  // Left by a delete that crashed.
  put(dataDir, `lake/offers/vendor=sabre/.deleting-dt=2020-01-01-abcd/hour=01/0-1-2.parquet`);

  const policy = { archiveAfterDays: 30, deleteAfterDays: 365 };
  const plan = await planLocalLifecycle({ dataDir, policy, today: TODAY });
  const summary = plan.map((a) => `${a.kind} ${a.tier}/${a.table}/${a.partition}`);
  assert.deepEqual(summary, [
    `delete archive/searches/vendor=sabre/dt=${dt(500)}`,
    `delete lake/offers/vendor=sabre/dt=${dt(400)}`,
    `delete lake/searches/vendor=sabre/dt=${dt(400)}`,
    `archive lake/ingest_stats/dt=${dt(100)}`,
    `archive lake/offers/vendor=amadeus/dt=${dt(100)}`,
    `archive lake/offers/vendor=sabre/dt=${dt(100)}`,
    `archive lake/searches/vendor=sabre/dt=${dt(100)}`,
    `archive lake/offers/vendor=sabre/dt=${dt(31)}`,
    `archive lake/searches/vendor=sabre/dt=${dt(31)}`,
  ]);
  const amadeus = plan.find((a) => a.partition.startsWith('vendor=amadeus'))!;
  assert.deepEqual([amadeus.files, amadeus.bytes], [1, 3]);
  const sabreDir = path.join(dataDir, 'lake/offers/vendor=sabre');
  assert.equal(tree(sabreDir).length, 7, 'the plan changes nothing but crash leftovers');
  assert.equal(
    fs.readdirSync(sabreDir).some((n) => n.startsWith('.deleting-')),
    false,
  );

  for (const a of plan) await applyLifecycleAction(a);
  const lakeFiles = tree(path.join(dataDir, 'lake'));
  const archiveFiles = tree(path.join(dataDir, 'archive'));
  for (const table of ['offers', 'searches'])
    for (const d of [0, 1, 30])
      assert.ok(
        lakeFiles.includes(`${table}/vendor=sabre/dt=${dt(d)}/hour=05/0-1-2.parquet`),
        `${table} ${d}`,
      );
  assert.ok(lakeFiles.includes(`offers/vendor=sabre/dt=${dt(-1)}/hour=00/0-1-2.parquet`));
  assert.ok(lakeFiles.includes(`ponds/acme/dt=${dt(400)}/x.parquet`), 'ponds are not a table');
  assert.equal(lakeFiles.length, 8);
  assert.deepEqual(archiveFiles, [
    `ingest_stats/dt=${dt(100)}/hour=01/0-1-1.parquet`,
    `offers/vendor=amadeus/dt=${dt(100)}/hour=22/1-1-4.parquet`,
    `offers/vendor=amadeus/dt=${dt(100)}/hour=23/1-5-9.parquet`,
    `offers/vendor=sabre/dt=${dt(100)}/hour=05/0-1-2.parquet`,
    `offers/vendor=sabre/dt=${dt(31)}/hour=05/0-1-2.parquet`,
    `searches/vendor=sabre/dt=${dt(100)}/hour=05/0-1-2.parquet`,
    `searches/vendor=sabre/dt=${dt(31)}/hour=05/0-1-2.parquet`,
  ]);
  assert.equal(
    fs.readFileSync(
      path.join(dataDir, 'archive/offers/vendor=amadeus', `dt=${dt(100)}`, 'hour=23/1-5-9.parquet'),
      'utf8',
    ),
    'abc',
  );
  // Emptied vendor directories go too; a second run has nothing to do.
  assert.equal(fs.existsSync(path.join(dataDir, 'lake/offers/vendor=amadeus')), false);
  assert.deepEqual(await planLocalLifecycle({ dataDir, policy, today: TODAY }), []);
});

test('tiers that are off do nothing; a delete before the archive is refused', async () => {
  const dataDir = path.join(tmp, 'b');
  put(dataDir, `lake/offers/vendor=v/dt=2000-01-01/hour=00/0-1-2.parquet`);
  assert.deepEqual(
    await planLocalLifecycle({
      dataDir,
      policy: { archiveAfterDays: 0, deleteAfterDays: 0 },
      today: TODAY,
    }),
    [],
  );
  const onlyDelete = await planLocalLifecycle({
    dataDir,
    policy: { archiveAfterDays: 0, deleteAfterDays: 10 },
    today: TODAY,
  });
  assert.deepEqual(
    onlyDelete.map((a) => a.kind),
    ['delete'],
  );
  await assert.rejects(
    planLocalLifecycle({
      dataDir,
      policy: { archiveAfterDays: 30, deleteAfterDays: 30 },
      today: TODAY,
    }),
    (err: Error) =>
      err instanceof LifecycleConfigError &&
      /deleteAfterDays \(30\).*archiveAfterDays \(30\)/.test(err.message),
  );
});
