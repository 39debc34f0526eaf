/**
 * A lock file: created exclusively, holding its owner's pid, start time, a nonce and host
 * name. Two locks are built on it: the PGlite data directory's (`<dir>.lock`, one process
 * per directory, fails at once) and a customer's slice lock (waits its turn). A lock whose
 * process no longer runs, or an earlier process of the same pid (told apart by its start
 * time), is taken over; a live holder, this process included, keeps it.
 *
 * A data directory may be shared by several hosts (a network volume mounted in several
 * pods, docs/deploy.md), where a pid of another host cannot be checked. So a holder touches
 * its lock file every HEARTBEAT_MS, and a lock of another host is taken over only once it
 * has not been touched for OTHER_HOST_STALE_MS (its host died or lost the volume).
 */
import { randomBytes } from 'node:crypto';
import {
  linkSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { processAlive } from './process-alive.js';

/** An empty lock file older than this was left by a process that died creating it. */
const EMPTY_LOCK_STALE_MS = 10_000;
/** How often a holder touches its lock file, ms. */
export const HEARTBEAT_MS = 10_000;
/** A lock of another host untouched this long is stale, ms (clock skew between hosts included). */
export const OTHER_HOST_STALE_MS = 120_000;
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
export function tryLockFile(
  file: string,
  opts: { heartbeatMs?: number } = {},
): HeldLock | LockHolder {
  const mine = `${SELF} ${randomBytes(6).toString('hex')} ${HOST}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      let held = true;
      const heartbeat = setInterval(() => {
        try {
          if (read(file) === mine) utimesSync(file, new Date(), new Date());
        } catch {
          // a volume gone for a moment: the next beat tries again
        }
      }, opts.heartbeatMs ?? HEARTBEAT_MS);
      heartbeat.unref();
      return {
        path: file,
        release() {
          if (!held) return;
          held = false;
          clearInterval(heartbeat);
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
  // a lock of another host, alive while its holder touches it; one without a host is of a
  // version that wrote none: this host
  if (held !== '' && host && host !== HOST) {
    const idle = Date.now() - (statMtime(file) ?? 0);
    if (idle < OTHER_HOST_STALE_MS)
      return {
        holder: `pid ${pid} on host ${host} (lock touched ${Math.round(idle / 1000)} s ago)`,
        pid,
      };
  }
  if (held === '') {
    // created and not yet written, or its writer died in between
    const age = Date.now() - (statMtime(file) ?? 0);
    if (age < EMPTY_LOCK_STALE_MS) return { holder: 'a process that is creating it' };
  } else if (
    (!host || host === HOST) &&
    processAlive(pid) &&
    !(pid === process.pid && origin && `${pid} ${origin}` !== SELF)
  ) {
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
