import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Command } from 'commander';
import { daysBefore } from '../lake/lifecycle/lifecycle-policy.js';
import { registerLifecycle } from './lake-lifecycle.js';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-cli-lifecycle-'));
  for (const k of Object.keys(process.env)) if (k.startsWith('FARESIGHT_')) delete process.env[k];
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `faresight lake lifecycle ...args` in-process with `env`; returns what it printed. */
async function lifecycle(env: Record<string, string>, ...args: string[]): Promise<string> {
  let out = '';
  const program = new Command().exitOverride().option('--config <file>');
  const lake = program.command('lake');
  registerLifecycle(lake, (s) => {
    out += s;
  });
  Object.assign(process.env, env);
  try {
    await program.parseAsync(['node', 'faresight', 'lake', 'lifecycle', ...args]);
  } finally {
    for (const k of Object.keys(env)) delete process.env[k];
  }
  return out;
}

test('a dry run prints the plan; --apply moves and deletes; today is never touched', async () => {
  const dataDir = path.join(tmp, 'data');
  const today = new Date().toISOString().slice(0, 10);
  const rel = (d: string) => `offers/vendor=sabre/dt=${d}/hour=05/0-1-2.parquet`;
  for (const d of [today, daysBefore(today, 40), daysBefore(today, 500)]) {
    const f = path.join(dataDir, 'lake', rel(d));
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, 'x');
  }
  const env = { FARESIGHT_DATA_DIR: dataDir, FARESIGHT_LAKE_ARCHIVE_AFTER_DAYS: '30' };
  const dry = await lifecycle(env, '--delete-after-days', '365');
  assert.match(dry, /dry run/);
  assert.match(
    dry,
    new RegExp(
      `would delete lake/offers/vendor=sabre/dt=${daysBefore(today, 500)} \\(1 files, 1 B\\)`,
    ),
  );
  assert.match(
    dry,
    new RegExp(
      `would archive lake/offers/vendor=sabre/dt=${daysBefore(today, 40)} .*-> archive/offers/`,
    ),
  );
  assert.match(dry, /would have archived 1 and deleted 1 partitions; run with --apply/);
  assert.equal(fs.existsSync(path.join(dataDir, 'lake', rel(daysBefore(today, 500)))), true);

  const done = await lifecycle(env, '--apply', '--delete-after-days', '365');
  assert.match(done, /^archived 1 and deleted 1 partitions$/m);
  assert.equal(fs.existsSync(path.join(dataDir, 'lake', rel(today))), true);
  assert.equal(fs.existsSync(path.join(dataDir, 'archive', rel(daysBefore(today, 40)))), true);
  assert.equal(fs.existsSync(path.join(dataDir, 'lake', rel(daysBefore(today, 40)))), false);
  assert.equal(fs.existsSync(path.join(dataDir, 'lake', rel(daysBefore(today, 500)))), false);

  // Archiving everything but today, even at 1 day, keeps today's partition.
  await lifecycle(env, '--apply', '--archive-after-days', '1');
  assert.equal(fs.existsSync(path.join(dataDir, 'lake', rel(today))), true);
});

test('bad flags are clear errors', async () => {
  const env = { FARESIGHT_DATA_DIR: path.join(tmp, 'none') };
  await assert.rejects(lifecycle(env, '--apply', '--dry-run'), /--apply and --dry-run/);
  await assert.rejects(
    lifecycle(env, '--archive-after-days', '10', '--delete-after-days', '5'),
    /lake\.deleteAfterDays \(5\) must be greater than lake\.archiveAfterDays \(10\)/,
  );
  await assert.rejects(
    lifecycle(env, '--archive-after-days', 'x'),
    /--archive-after-days must be an integer/,
  );
});
