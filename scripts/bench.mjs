#!/usr/bin/env node
// Benchmarks: `npm run bench -- <area>` runs bench/<area>.bench.ts. Each prints its
// figures beside a baseline measured in the same run; the ratios are what count.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const areas = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace('.bench.ts', ''));
const [area, ...rest] = process.argv.slice(2);
if (!area || !areas.includes(area)) {
  console.error(`usage: npm run bench -- <area>   (areas: ${areas.join(', ')})`);
  process.exit(2);
}
// The V8 flags and the environment Faresight's processes start with (see
// bin/node-flags.json and bin/node-env.json): benches measure the product as it runs, and
// the processes they start inherit the environment. A variable already set wins, so
// `MALLOC_ARENA_MAX=16 npm run bench -- footprint` measures glibc's default on two cores.
const nodeFlags = JSON.parse(readFileSync('bin/node-flags.json', 'utf8'));
const nodeEnv = JSON.parse(readFileSync('bin/node-env.json', 'utf8'));
const child = spawn(
  process.execPath,
  [...nodeFlags, '--import', 'tsx', `bench/${area}.bench.ts`, ...rest],
  {
    stdio: 'inherit',
    env: { ...nodeEnv, ...process.env },
  },
);
// A signal to this process reaches the bench (a terminal's Ctrl-C reaches both anyway),
// which stops what it started: `kill <pid of npm run bench>` leaves nothing running.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
