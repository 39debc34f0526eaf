/**
 * `faresight` from this checkout: bin/faresight.mjs runs dist/ only when it is current
 * (bin/dist-current.mjs), and the README's `npx faresight ...` does not recompile it.
 * npm 11 runs `npx faresight` in a project named faresight by linking the project into
 * its cache, which runs the project's `prepare` (scripts/build.mjs): on a new user's first
 * call that recompiled dist/ in place (18 s), under the `faresight up` of the quick start.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { distIsCurrent } from '../../bin/dist-current.mjs';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'fs-checkout-bin-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Sets a file's modification time to `at` (ms). */
const touch = (f: string, at: number) => utimesSync(f, at / 1000, at / 1000);

describe('distIsCurrent', () => {
  it('is true only when the stamp is there and no source or build config is newer', () => {
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    const r = join(tmp, 'tree');
    mkdirSync(join(r, 'src', 'deep'), { recursive: true });
    mkdirSync(join(r, 'dist'));
    const source = join(r, 'src', 'deep', 'a.ts');
    writeFileSync(source, '');
    writeFileSync(join(r, 'tsconfig.build.json'), '{}');
    touch(source, t0);
    touch(join(r, 'tsconfig.build.json'), t0);
    assert.equal(distIsCurrent(r), false, 'no stamp: never built, or a build half done');
    const stamp = join(r, 'dist', '.build-stamp');
    writeFileSync(stamp, '');
    touch(stamp, t0 + 1000);
    assert.equal(distIsCurrent(r), true, 'stamp after every source');
    touch(source, t0 + 2000);
    assert.equal(distIsCurrent(r), false, 'a source edited after the build, however deep');
    touch(source, t0);
    touch(join(r, 'tsconfig.build.json'), t0 + 2000);
    assert.equal(distIsCurrent(r), false, 'the build config edited after the build');
    rmSync(join(r, 'src'), { recursive: true });
    rmSync(join(r, 'tsconfig.build.json'));
    assert.equal(distIsCurrent(r), true, 'an installed package (no src/): its dist/ is the code');
  });
});

describe('npx faresight in the checkout', () => {
  it('runs the built command without compiling dist/ again', (t) => {
    if (!distIsCurrent(root)) {
      // CI builds dist/ (npm ci, then the package stage) before the tests
      assert.notEqual(process.env.CI, 'true', 'dist/ is not current in CI');
      t.skip('dist/ is not current here (npm run build makes it so)');
      return;
    }
    // A copy of the checkout (timestamps kept), so that a build started by npm changes
    // nothing the other tests run; its dependencies are this checkout's.
    const co = join(tmp, 'checkout');
    mkdirSync(co);
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'scripts'])
      cpSync(join(root, f), join(co, f), { recursive: true, preserveTimestamps: true });
    for (const d of ['src', 'dist'])
      cpSync(join(root, d), join(co, d), { recursive: true, preserveTimestamps: true });
    symlinkSync(join(root, 'node_modules'), join(co, 'node_modules'));
    const stamp = join(co, 'dist', '.build-stamp');
    const built = statSync(stamp).mtimeMs;
    assert.ok(distIsCurrent(co), 'the copy is current, as the checkout is');

    // a new user: npm's cache has never seen this checkout
    const r = spawnSync('npx', ['faresight', '--version'], {
      cwd: co,
      encoding: 'utf8',
      env: { ...process.env, npm_config_cache: join(tmp, 'npm-cache'), npm_config_yes: 'true' },
      timeout: 300_000,
    });
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    assert.equal(r.status, 0, `npx faresight --version failed: ${r.stderr}`);
    assert.equal(r.stdout.trim().split('\n').at(-1), version);
    assert.equal(
      statSync(stamp).mtimeMs,
      built,
      `npx compiled dist/ again (the stamp was rewritten):\n${r.stdout}${r.stderr}`,
    );
  });
});
