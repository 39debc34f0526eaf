/**
 * `npm run bench -- cli [--runs 10]`: start time of the `faresight` command beside `node
 * -e 0` measured in the same run (the floor: Node.js itself): `faresight help` and
 * `faresight query` on an empty lake (issue 18's targets on an idle machine: 0.5 s and
 * 2 s). Uses hyperfine when installed (warm-up runs, then `--runs`), else a loop of its
 * own. Run `npm run build` first: without a current dist/ the command compiles the
 * TypeScript sources at run time (the bench says so).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import NODE_FLAGS from '../bin/node-flags.json' with { type: 'json' };

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const RUNS = Number(values.runs);
if (!(RUNS >= 2)) throw new Error('--runs must be at least 2');

const dir = mkdtempSync(join(tmpdir(), 'fs-bench-cli-'));
const node = process.execPath;
const bin = join(process.cwd(), 'bin', 'faresight.mjs');
const flags = NODE_FLAGS.join(' ');
const CASES: { name: string; command: string; target?: number }[] = [
  { name: 'node -e 0', command: `${node} -e 0` },
  { name: 'faresight --version', command: `${node} ${flags} ${bin} --version` },
  { name: 'faresight help', command: `${node} ${flags} ${bin} help`, target: 0.5 },
  {
    name: 'faresight query (empty lake)',
    command: `${node} ${flags} ${bin} query "select count(*) as n from searches"`,
    target: 2,
  },
];

if (!existsSync('dist/.build-stamp'))
  console.log('note: no dist/ (npm run build): the command runs the sources through tsx');

const hyperfine = spawnSync('hyperfine', ['--version']).status === 0;
const env = { ...process.env, FARESIGHT_DATA_DIR: dir };

/** Mean and standard deviation of each case's wall time, seconds. */
function measure(): { mean: number; sd: number; min: number }[] {
  if (hyperfine) {
    const out = join(dir, 'hyperfine.json');
    const r = spawnSync(
      'hyperfine',
      [
        '--warmup',
        '2',
        '--runs',
        String(RUNS),
        '--shell=none',
        '--style',
        'none',
        '--export-json',
        out,
        ...CASES.map((c) => c.command),
      ],
      { env, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (r.status !== 0) throw new Error(`hyperfine failed (${r.status})`);
    const results = JSON.parse(readFileSync(out, 'utf8')).results as {
      mean: number;
      stddev: number;
      min: number;
    }[];
    return results.map((x) => ({ mean: x.mean, sd: x.stddev, min: x.min }));
  }
  // Own loop: the cases interleaved run by run, so a drifting load weighs on all alike.
  const times: number[][] = CASES.map(() => []);
  for (let run = -2; run < RUNS; run++)
    CASES.forEach((c, i) => {
      const t = performance.now();
      const r = spawnSync('sh', ['-c', c.command], { env, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status}`);
      if (run >= 0) times[i]!.push((performance.now() - t) / 1000);
    });
  return times.map((ts) => {
    const mean = ts.reduce((a, b) => a + b, 0) / ts.length;
    const sd = Math.sqrt(ts.reduce((a, b) => a + (b - mean) ** 2, 0) / (ts.length - 1));
    return { mean, sd, min: Math.min(...ts) };
  });
}

try {
  const rows = measure();
  const floor = rows[0]!.mean;
  console.log(`start time, ${RUNS} runs each (${hyperfine ? 'hyperfine' : 'own loop'})`);
  CASES.forEach((c, i) => {
    const r = rows[i]!;
    console.log(
      `${c.name.padEnd(30)} mean ${r.mean.toFixed(3)} s ± ${r.sd.toFixed(3)}  min ${r.min.toFixed(3)} s  ${(r.mean / floor).toFixed(1).padStart(5)}x node -e 0${c.target ? `  (target ${c.target} s idle)` : ''}`,
    );
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
