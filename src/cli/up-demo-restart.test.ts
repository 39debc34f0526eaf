/**
 * `npm start` twice on one data directory: the second `up --demo` does not post the
 * demo's four weeks of history again (each restart doubled every count, pond and
 * forecast of the history's days), and says why; `--demo-history N` still posts N more.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type HistoryMarker, historyMarkerPath } from './demo-feeds.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-up-restart-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(import.meta.dirname, '..', '..', 'bin', 'faresight.mjs');
const dataDir = join(dir, 'data');

/** Starts `up --demo` on the shared data directory; its stderr (the log) accumulates. */
function up(args: string[]): { p: ChildProcess; log: () => string; exited: Promise<unknown> } {
  const p = spawn(process.execPath, [bin, 'up', '--demo', '--demo-rate', '5', ...args], {
    env: {
      ...Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith('FARESIGHT_')),
      ),
      FARESIGHT_DATA_DIR: dataDir,
      FARESIGHT_INGEST_PORT: '0',
      FARESIGHT_API_PORT: '0',
      FARESIGHT_SQL_PORT: '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  p.stderr!.on('data', (b) => {
    log += b;
  });
  return { p, log: () => log, exited: new Promise((r) => p.on('exit', r)) };
}

/** Waits until `re` is in the log (or the process exits, which fails). */
async function waitFor(run: ReturnType<typeof up>, re: RegExp): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (re.test(run.log())) return;
    if (run.p.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no ${re} in the log of up --demo:\n${run.log().slice(-4000)}`);
}

async function stop(run: ReturnType<typeof up>): Promise<void> {
  run.p.kill('SIGINT');
  await run.exited;
}

const feedsStarted = (log: string) => log.match(/\[feed\] feed started/g)?.length ?? 0;

const marker = (): HistoryMarker =>
  JSON.parse(readFileSync(historyMarkerPath(dataDir), 'utf8')) as HistoryMarker;

describe('up --demo on a data directory that has the demo history', () => {
  it('posts the history once, and again only when asked', { timeout: 300_000 }, async () => {
    const first = up(['--demo-history', '200', '--seed', '3']);
    try {
      // the history's feed ends by itself (the live one only when up stops)
      await waitFor(first, /\[feed\] feed stopped/);
    } finally {
      await stop(first);
    }
    const posted = marker();
    assert.equal(posted.count, 200);
    assert.ok(posted.finishedAt, `the marker says the history finished: ${JSON.stringify(posted)}`);
    assert.ok(posted.sent && posted.sent > 0, 'and how many searches it posted');

    // the plain `npm start` (default history) on the same directory
    const second = up(['--seed', '4']);
    try {
      await waitFor(second, /demo feed running/);
      assert.match(
        second.log(),
        /demo history not posted again: this data directory has the one posted at/,
      );
      assert.equal(feedsStarted(second.log()), 1, 'the live feed only');
    } finally {
      await stop(second);
    }
    assert.deepEqual(marker(), posted, 'the marker is left as it was');

    // asked for explicitly, it posts again, and the marker records the new one
    const third = up(['--demo-history', '50', '--seed', '5']);
    try {
      await waitFor(third, /demo feed running/);
      assert.equal(feedsStarted(third.log()), 2, 'the live feed and the history');
    } finally {
      await stop(third);
    }
    const again = marker();
    assert.equal(again.count, 50);
    assert.ok(again.finishedAt || again.interruptedAt, JSON.stringify(again));
  });
});
