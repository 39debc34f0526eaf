#!/usr/bin/env node
// Runs every *.test.ts under src/ with node's built-in test runner (Node 20 has no glob
// support in --test). `--unit` leaves out *.integration.test.ts.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const unitOnly = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}
const files = walk('src')
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => !(unitOnly && f.endsWith('.integration.test.ts')))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// A file that runs past FILE_TIMEOUT_MS fails, named, and the run goes on: on Node 20
// `--test-timeout` bounds each file's process (and each test in it), so one stuck file
// cannot hold the run, and CI, until its own limit (the longest file takes about a
// minute). TEST_FILE_TIMEOUT_MS overrides it.
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 600_000);
if (!Number.isInteger(FILE_TIMEOUT_MS) || FILE_TIMEOUT_MS <= 0) {
  console.error(
    `TEST_FILE_TIMEOUT_MS must be a whole number of milliseconds above 0 (got ${JSON.stringify(process.env.TEST_FILE_TIMEOUT_MS)})`,
  );
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${FILE_TIMEOUT_MS}`,
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
