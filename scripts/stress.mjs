#!/usr/bin/env node
// Stress mode of the reliability tests: the embedded stream crash test with many kills
// (STRESS_KILLS, default 50). Usage: npm run stress [-- KILLS]
import { spawnSync } from 'node:child_process';

const kills = process.argv[2] ?? process.env.STRESS_KILLS ?? '50';
const r = spawnSync(process.execPath, ['scripts/test.mjs', 'embedded-crash'], {
  stdio: 'inherit',
  env: { ...process.env, STRESS_KILLS: kills },
});
process.exit(r.status ?? 1);
