/**
 * `npm start` twice on one data directory: the second `up --demo` does not post the
 * demo's four weeks of history again (each restart doubled every count, pond and
 * forecast of the history's days), and says why; `--demo-history N` still posts N more;
 * a history stopped halfway is recorded as such and not completed by a second copy.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type HistoryMarker, historyMarkerPath } from './demo-feeds.js';
import { newUserEnv } from './testing/new-user-env.js';
import { until } from './testing/until.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-up-restart-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(import.meta.dirname, '..', '..', 'bin', 'faresight.mjs');
const dataDir = join(dir, 'data');

interface Run {
  p: ChildProcess;
  log: () => string;
  exited: Promise<unknown>;
}

/** Starts `up --demo` on the shared data directory; its stderr (the log) accumulates. */
function up(args: string[]): Run {
  const p = spawn(process.execPath, [bin, 'up', '--demo', '--demo-rate', '5', ...args], {
    env: newUserEnv({
      FARESIGHT_DATA_DIR: dataDir,
      FARESIGHT_INGEST_PORT: '0',
      FARESIGHT_API_PORT: '0',
      FARESIGHT_SQL_PORT: '0',
    }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  p.stderr!.on('data', (b) => {
    log += b;
  });
  return { p, log: () => log, exited: new Promise((r) => p.on('exit', r)) };
}

/** Waits until `re` is in the log; fails with the log when it exits or 2 minutes pass. */
async function waitFor(run: Run, re: RegExp): Promise<void> {
  try {
    await until(
      `${re} in the log of up --demo`,
      async () => {
        if (run.p.exitCode !== null) throw new Error(`up exited with ${run.p.exitCode}`);
        return re.test(run.log()) || undefined;
      },
      120_000,
      100,
    );
  } catch (err) {
    assert.fail(`${(err as Error).message}:\n${run.log().slice(-4000)}`);
  }
}

/** Runs `up --demo` with `args` until `re` is in its log, then stops it with SIGINT. */
async function runUntil(args: string[], re: RegExp): Promise<string> {
  const run = up(args);
  try {
    await waitFor(run, re);
  } finally {
    run.p.kill('SIGINT');
    await run.exited;
  }
  return run.log();
}

const feedsStarted = (log: string) => log.match(/\[feed\] feed started/g)?.length ?? 0;

const marker = (): HistoryMarker =>
  JSON.parse(readFileSync(historyMarkerPath(dataDir), 'utf8')) as HistoryMarker;

describe('up --demo on a data directory that has the demo history', () => {
  it('posts the history once, and again only when asked', { timeout: 300_000 }, async () => {
    // the history's feed ends by itself (the live one only when up stops)
    await runUntil(['--demo-history', '200', '--seed', '3'], /\[feed\] feed stopped/);
    const posted = marker();
    assert.equal(posted.count, 200);
    assert.ok(posted.finishedAt, `the marker says the history finished: ${JSON.stringify(posted)}`);
    assert.ok(posted.sent && posted.sent > 0, 'and how many searches it posted');

    // the plain `npm start` (default history) on the same directory
    const second = await runUntil(['--seed', '4'], /demo feed running/);
    assert.match(
      second,
      /demo history not posted again: this data directory has the one posted at/,
    );
    assert.equal(feedsStarted(second), 1, 'the live feed only');
    assert.deepEqual(marker(), posted, 'the marker is left as it was');

    // asked for explicitly, it posts again; stopped at once, it is recorded as partial
    const third = await runUntil(['--demo-history', '20000', '--seed', '5'], /demo feed running/);
    assert.equal(feedsStarted(third), 2, 'the live feed and the history');
    const partial = marker();
    assert.equal(partial.count, 20000);
    assert.ok(partial.interruptedAt && !partial.finishedAt, JSON.stringify(partial));
    assert.ok((partial.sent ?? 0) < 20000, JSON.stringify(partial));

    // and the next start says so, and posts no second copy to complete it
    const fourth = await runUntil(['--seed', '6'], /demo feed running/);
    assert.match(fourth, /demo history not posted again: .*stopped after \d+ of 20000 searches/);
    assert.equal(feedsStarted(fourth), 1, 'the live feed only');
  });
});
