// Whether dist/ is a finished build of the sources beside it: dist/.build-stamp (written
// last by scripts/build.mjs) exists, and no file of src/ nor tsconfig.build.json was
// modified after it. bin/faresight.mjs runs dist/ only then; scripts/build.mjs, as npm's
// `prepare`, builds only when it is not (npm 11's `npx faresight` in this checkout runs
// `prepare` again when it links the checkout into its cache); scripts/pack-check.mjs
// builds before packing when it is not.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** True when any file under `dir` was modified after `since` (ms). */
function newerThan(dir, since) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() ? newerThan(p, since) : statSync(p).mtimeMs > since) return true;
  }
  return false;
}

/**
 * True when `root`/dist is current. An installed package has no src/: its dist/ is the
 * code, current whenever its stamp is there.
 */
export function distIsCurrent(root) {
  const stamp = join(root, 'dist', '.build-stamp');
  if (!existsSync(stamp)) return false;
  const since = statSync(stamp).mtimeMs;
  if (!existsSync(join(root, 'src'))) return true;
  const config = join(root, 'tsconfig.build.json');
  if (existsSync(config) && statSync(config).mtimeMs > since) return false;
  return !newerThan(join(root, 'src'), since);
}
