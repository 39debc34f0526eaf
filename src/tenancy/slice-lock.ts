import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { sleep } from '../ops/backoff.js';
import { isHeld, tryLockFile } from '../ops/lock-file.js';

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

/**
 * Runs `fn` holding the lock file `<dir>/.lock` (../ops/lock-file.ts), so that one writer
 * at a time (in this process, in another CustomerSlices of it, or in another process on
 * this host) changes the slices of one customer. A lock of a process that no longer runs
 * (or an earlier process of this pid) is taken over. Waits at most `maxWaitMs`
 * (DEFAULT_SLICE_LOCK_WAIT_MS), then throws SliceLockTimeoutError.
 */
export async function withSliceLock<T>(
  dir: string,
  fn: () => Promise<T>,
  maxWaitMs = DEFAULT_SLICE_LOCK_WAIT_MS,
): Promise<T> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, SLICE_LOCK);
  const started = Date.now();
  let lock = tryLockFile(file);
  for (let attempt = 1; !isHeld(lock); attempt++) {
    if (Date.now() - started > maxWaitMs)
      throw new SliceLockTimeoutError(file, lock.holder, maxWaitMs);
    await sleep(Math.min(250, 10 * attempt));
    lock = tryLockFile(file);
  }
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
