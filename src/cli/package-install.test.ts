/**
 * `npm ci` stays clean: every package of the lockfile with an install script is approved
 * or refused in package.json's `allowScripts` (npm warns about the others), and every
 * package installs on the oldest Node.js this package supports (npm warns `EBADENGINE`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

/** semver (npm's own range rules), a dev dependency without types of its own here. */
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

const read = (f: string) =>
  JSON.parse(readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8'));
const pkg = read('package.json') as {
  engines: { node: string };
  allowScripts: Record<string, boolean>;
};
const lock = read('package-lock.json') as {
  packages: Record<
    string,
    {
      hasInstallScript?: boolean;
      engines?: { node?: string } | string[];
      optional?: boolean;
      os?: string[];
    }
  >;
};
const nameOf = (path: string) => path.replace(/^.*node_modules\//, '');

describe('npm ci', () => {
  it('names every install script in allowScripts', () => {
    const unlisted = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.hasInstallScript)
      .map(([path]) => nameOf(path))
      .filter((name) => !Object.hasOwn(pkg.allowScripts, name));
    assert.deepEqual(unlisted, [], 'install scripts neither approved nor refused in allowScripts');
  });

  it('installs no package that needs a newer Node.js than engines.node', () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const tooNew = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && !Array.isArray(p.engines) && p.engines?.node)
      // packages for other platforms are not installed here (fsevents is macOS only)
      .filter(([, p]) => !(p.optional && p.os && !p.os.includes(process.platform)))
      .filter(([, p]) => !semver.satisfies(oldest, (p.engines as { node: string }).node))
      .map(([path, p]) => `${nameOf(path)} wants node ${(p.engines as { node: string }).node}`);
    assert.deepEqual(tooNew, [], `packages that refuse node ${oldest}`);
  });
});
