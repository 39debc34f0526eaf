#!/usr/bin/env node
// The fault suite (issue 15): runs each scenario under src/cli/faults/scenarios/ in its
// own process, bounded in time, and prints a table of what must hold and what was
// measured. Usage: npm run faults [-- --quick] [-- <name-substring> ...]. `--quick` runs
// QUICK only (the CI stage). Exits 1 when a scenario fails, times out, or (with CI=true)
// is skipped.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const SCENARIO_TIMEOUT_MS = Number(process.env.FAULTS_TIMEOUT_MS ?? 240_000);
const dir = join('src', 'cli', 'faults', 'scenarios');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((a) => a !== '--quick');
// Cheapest first; the list is the order of the table in docs/testing.md.
const ORDER = [
  'disk-full',
  'sigkill',
  'nats-restart',
  'postgres-restart',
  'redis-down',
  'redis-down-at-start',
  's3-down',
  'poison-record',
  'slow-consumer',
];
// The CI subset: scenarios that need only their own child processes and the tmpfs, and
// that each finish within about a minute on a loaded 2-core machine.
const QUICK = ['disk-full', 'redis-down-at-start'];
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .filter((n) => !quick || QUICK.includes(n))
  .filter((n) => filters.length === 0 || filters.some((p) => n.includes(p)))
  .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));

function run(name) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(dir, `${name}.ts`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('FAULT-RESULT '));
      const seconds = Math.round((Date.now() - t0) / 1000);
      if (!line) {
        resolve({
          scenario: name,
          must: '',
          failed: [
            signal === 'SIGKILL'
              ? `timed out after ${SCENARIO_TIMEOUT_MS / 1000} s`
              : `exited ${code ?? signal} without a result`,
          ],
          measured: {},
          seconds,
        });
        return;
      }
      resolve({ ...JSON.parse(line.slice('FAULT-RESULT '.length)), seconds });
    });
  });
}

const t0 = Date.now();
const results = [];
for (const name of files) {
  process.stderr.write(`== fault scenario ${name}\n`);
  const r = await run(name);
  results.push(r);
  const verdict = r.skipped
    ? `skipped: ${r.skipped}`
    : r.failed.length
      ? `FAILED: ${r.failed.join('; ')}`
      : 'holds';
  process.stderr.write(`   ${verdict} (${r.seconds} s)\n`);
}
const rows = results.map((r) => [
  r.scenario,
  r.must,
  Object.entries(r.measured)
    .map(([k, v]) => `${k} ${v}`)
    .join(', '),
  r.skipped ? 'skipped' : r.failed.length ? 'FAILED' : 'holds',
  `${r.seconds} s`,
]);
console.log('\n| scenario | must hold | measured | result | time |\n|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
const total = Math.round((Date.now() - t0) / 1000);
console.log(`\nfault suite: ${results.length} scenarios in ${total} s`);
const bad = results.filter((r) => r.failed.length > 0 || (r.skipped && process.env.CI === 'true'));
for (const r of bad) console.log(`${r.scenario}: ${r.skipped ?? r.failed.join('; ')}`);
process.exit(bad.length > 0 ? 1 : 0);
