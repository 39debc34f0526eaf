/** What the embedded stream's connections share to wait out another process's SQLite lock. */

/** True for SQLITE_BUSY and its extended codes (another connection holds the lock). */
export const isBusy = (err: unknown): boolean =>
  (err as { code?: string }).code?.startsWith('SQLITE_BUSY') === true;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Sleeps this thread for `ms`: better-sqlite3 is synchronous, and a retry blocks as
 * SQLite's own busy handler would.
 */
export const sleepSync = (ms: number): void => {
  Atomics.wait(sleepCell, 0, 0, ms);
};
