import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type HeldLock, isHeld, tryLockFile } from '../../ops/lock-file.js';
import { RowStoreLockedError } from '../errors.js';

/** A held lock file; `release()` removes it (idempotent). */
export type DirLock = HeldLock;

/**
 * Takes `<dir>.lock` (../../ops/lock-file.ts) so that only one PGlite instance opens
 * `dir`: two would corrupt it, and PGlite has no lock of its own. A lock left by a process
 * that no longer exists is taken over. Throws RowStoreLockedError when a live process
 * (this one included) holds it.
 */
export function lockDir(dir: string): DirLock {
  const path = `${dir}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  const lock = tryLockFile(path);
  if (isHeld(lock)) return lock;
  throw new RowStoreLockedError(dir, lock.pid, lock.holder);
}
