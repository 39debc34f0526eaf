/**
 * A lock file: created exclusively, holding its owner's pid, start time, a nonce and host
 * name. Two locks are built on it: the PGlite data directory's (`<dir>.lock`, one process
 * per directory, fails at once) and a customer's slice lock (waits its turn). A lock whose
 * process no longer runs, or an earlier process of the same pid (told apart by its start
 * time), is taken over; a live holder, this process included, keeps it. A lock written on
 * another host (a data directory on a shared file system) is never taken over: its pid
 * cannot be checked from here, so the error names the host and the operator decides.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { processAlive } from './process-alive.js';

/** An empty lock file older than this was left by a process that died creating it. */
const EMPTY_LOCK_STALE_MS = 10_000;
/** This process: its pid and its start time, so a pid reused after a restart is told apart. */
const SELF = `${process.pid} ${Math.round(performance.timeOrigin)}`;
/** This host, as written in the lock; no spaces, so the fields stay apart. */
const HOST = hostname().replace(/\s+/g, '_') || 'localhost';

/** A held lock file. */
export interface HeldLock {
  readonly path: string;
  /** Removes the file while it is still this holder's (never a successor's); idempotent. */
  release(): void;
}

/** Who holds a lock that could not be taken. */
export interface LockHolder {
  /** "pid 123", or what is going on when no pid can be read. */
  readonly holder: string;
  readonly pid?: number;
}

/**
 * Takes the lock file `file` (its folder must exist), or says who holds it. A stale lock
 * is moved aside and taken over in the same call.
 */
export function tryLockFile(file: string): HeldLock | LockHolder {
  const mine = `${SELF} ${randomBytes(6).toString('hex')} ${HOST}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      let held = true;
      return {
        path: file,
        release() {
          if (!held) return;
          held = false;
          if (read(file) === mine) rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = liveHolder(file);
    if (holder) return holder;
  }
  return { holder: 'writers that keep taking it over' };
}

/** True for what tryLockFile returns when the lock is taken. */
export function isHeld(lock: HeldLock | LockHolder): lock is HeldLock {
  return 'release' in lock;
}

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** The live holder of `file`, or undefined once a stale lock is moved out of the way. */
function liveHolder(file: string): LockHolder | undefined {
  const held = read(file);
  if (held === undefined) return undefined; // released between our create and read
  const [pidText, origin, , host] = held.trim().split(' ');
  const pid = Number(pidText);
  // a lock of another host; one without a host is of a version that wrote none: this host
  if (held !== '' && host && host !== HOST) return { holder: `pid ${pid} on host ${host}`, pid };
  if (held === '') {
    // created and not yet written, or its writer died in between
    const age = Date.now() - (statMtime(file) ?? 0);
    if (age < EMPTY_LOCK_STALE_MS) return { holder: 'a process that is creating it' };
  } else if (processAlive(pid) && !(pid === process.pid && origin && `${pid} ${origin}` !== SELF)) {
    return { holder: `pid ${pid}`, pid };
  }
  // Move the stale file aside, then make sure it was the stale one we moved: a process
  // that took over between our read and the rename must keep its lock.
  const aside = `${file}-stale-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch {
    return undefined;
  }
  if (read(aside) !== held) {
    try {
      linkSync(aside, file);
    } catch {
      // someone else holds `file` by now: the next create attempt finds them
    }
  }
  rmSync(aside, { force: true });
  return undefined;
}

function statMtime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
