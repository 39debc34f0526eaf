import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { sleep } from '../ops/backoff.js';
import { processAlive } from '../ops/process-alive.js';

/** Name of the lock file in a customer's slices directory. */
export const SLICE_LOCK = '.lock';
/** Default longest wait for a customer's slice lock: 2 minutes. */
export const DEFAULT_SLICE_LOCK_WAIT_MS = 120_000;

/** The customer's slice lock stayed held by another live process for the whole wait. */
export class SliceLockTimeoutError extends Error {
  override name = 'SliceLockTimeoutError';
  constructor(
    readonly file: string,
    readonly holder: string,
    waitedMs: number,
  ) {
    super(
      `the slice lock ${file} is held by ${holder} for more than ${waitedMs} ms; ` +
        'remove the file if that process is not a Faresight process writing slices',
    );
  }
}

/** An empty lock file older than this was left by a writer that died creating it. */
const EMPTY_LOCK_STALE_MS = 10_000;
/** This process: its pid and its start time, so a pid reused after a restart is told apart. */
const SELF = `${process.pid} ${Math.round(performance.timeOrigin)}`;

/**
 * Runs `fn` holding the lock file `<dir>/.lock`, so that one writer at a time (in this
 * process, in another CustomerSlices of it, or in another process on this host) changes
 * the slices of one customer. The file holds the holder's pid and start time; a lock of
 * a process that no longer runs (or an earlier process of this pid) is taken over. Waits
 * at most `maxWaitMs` (DEFAULT_SLICE_LOCK_WAIT_MS), then throws SliceLockTimeoutError.
 */
export async function withSliceLock<T>(
  dir: string,
  fn: () => Promise<T>,
  maxWaitMs = DEFAULT_SLICE_LOCK_WAIT_MS,
): Promise<T> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, SLICE_LOCK);
  const mine = `${SELF} ${randomBytes(6).toString('hex')}\n`;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const holder = await take(file, mine);
    if (holder === undefined) break;
    if (Date.now() - started > maxWaitMs) throw new SliceLockTimeoutError(file, holder, maxWaitMs);
    await sleep(Math.min(250, 10 * attempt));
  }
  try {
    return await fn();
  } finally {
    // Remove the file only while it is still ours (never a successor's).
    const now = await fs.readFile(file, 'utf8').catch(() => '');
    if (now === mine) await fs.rm(file, { force: true });
  }
}

/** Creates the lock; undefined when taken, else the live holder. */
async function take(file: string, mine: string): Promise<string | undefined> {
  try {
    await fs.writeFile(file, mine, { flag: 'wx' });
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const held = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (held === undefined) return 'a writer that just released it';
  const [pidText, origin] = held.split(' ');
  const pid = Number(pidText);
  if (held === '') {
    // Created and not yet written, or its writer died in between.
    const st = await fs.stat(file).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs < EMPTY_LOCK_STALE_MS) return 'a writer that is creating it';
  } else if (processAlive(pid) && !(pid === process.pid && `${pid} ${origin}` !== SELF)) {
    return `pid ${pid}`;
  }
  // Move the stale file aside, then make sure it was the stale one we moved: a waiter
  // that took over between our read and the rename must keep its lock.
  const aside = `${file}-stale-${randomBytes(6).toString('hex')}`;
  const moved = await fs.rename(file, aside).then(
    () => true,
    () => false,
  );
  if (moved) {
    const was = await fs.readFile(aside, 'utf8').catch(() => '');
    if (was !== held) await fs.link(aside, file).catch(() => undefined);
    await fs.rm(aside, { force: true });
  }
  return 'a process that died';
}
