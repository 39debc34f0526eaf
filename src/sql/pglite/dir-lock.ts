import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { processAlive } from '../../ops/process-alive.js';
import { RowStoreLockedError } from '../errors.js';

/** A held lock file; `release()` removes it (idempotent). */
export interface DirLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes `<dir>.lock` (created exclusively, holding our pid) so that only one PGlite
 * instance opens `dir`: two would corrupt it, and PGlite has no lock of its own. A lock
 * left by a process that no longer exists is taken over. Throws RowStoreLockedError when a
 * live process (this one included) holds it.
 */
export function lockDir(dir: string): DirLock {
  const path = `${dir}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let held = true;
      return {
        path,
        release() {
          if (!held) return;
          held = false;
          rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid = Number.NaN;
      try {
        pid = Number(readFileSync(path, 'utf8').trim());
      } catch {
        // removed between our open and read: try again
      }
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid))
        throw new RowStoreLockedError(dir, pid);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot take the row store lock ${path}`);
}
