/**
 * SIGKILL under load: the existing reliability tests of the lake writer (killed mid-file
 * FAULTS_KILLS times [3], every appended record once in the lake afterwards) and of the
 * embedded row store (PGlite killed mid-write as many times, every acknowledged commit
 * recovered, its indexes agreeing with its heap). The
 * embedded stream's own kill test (embedded-crash, `npm run stress`) is left to the unit
 * suite: it kills 100-500 ms after start, which on a loaded machine can come before the
 * first acknowledgement and fail for that reason alone.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runScenario } from '../scenario.js';

const KILLS = process.env.FAULTS_KILLS ?? '3';
const ROOT = join(import.meta.dirname, '..', '..', '..', '..');

await runScenario(
  'sigkill',
  'after SIGKILLs under load: no acknowledged record lost, none stored twice',
  async ({ check, measure }) => {
    for (const test of ['lake-writer-crash', 'pglite-crash']) {
      const r = spawnSync(process.execPath, ['scripts/test.mjs', test], {
        cwd: ROOT,
        env: { ...process.env, STRESS_KILLS: KILLS },
        encoding: 'utf8',
      });
      const pass = /ℹ pass (\d+)/.exec(r.stdout)?.[1] ?? '0';
      const fail = /ℹ fail (\d+)/.exec(r.stdout)?.[1] ?? '?';
      measure(test, `${KILLS} kills, pass ${pass} fail ${fail}`);
      check(r.status === 0 && Number(pass) > 0, `${test} failed:\n${r.stdout.slice(-1500)}`);
    }
  },
);
