/**
 * `npm test` (scripts/test.mjs) itself: a test file that never ends fails, named, within
 * the runner's file timeout, and the other files still run. (A CI run once hung for over
 * an hour on one file and landed nothing.)
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const repo = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'faresight-test-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('npm test', () => {
  it('fails a test file that never ends, by name, and runs the others', async () => {
    mkdirSync(join(dir, 'src'));
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
    // a test that waits forever on a timer that keeps its process alive
    writeFileSync(
      join(dir, 'src', 'stuck.test.ts'),
      `import { it } from 'node:test';
it('waits forever', () => new Promise<void>(() => { setInterval(() => {}, 1000); }));
`,
    );
    writeFileSync(
      join(dir, 'src', 'fine.test.ts'),
      `import { it } from 'node:test';
it('passes', () => {});
`,
    );
    // (NODE_TEST_CONTEXT would tell the runner it is inside this test and run no files)
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const child = spawn(process.execPath, [join(repo, 'scripts', 'test.mjs')], {
      cwd: dir,
      // 10 s: the other file, tsx and all, finishes well within it on a busy machine
      env: { ...env, TEST_FILE_TIMEOUT_MS: '10000' },
      detached: true, // a group of its own, so that the runner's children can be ended too
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    // without the runner's timeout this never ends: end it, its test files too, and say so
    const killer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 60_000);
    const code = await new Promise<number | null>((done) => child.on('close', done));
    clearTimeout(killer);
    assert.notEqual(code, null, `the runner was still going after 60 s:\n${out}`);
    assert.equal(code, 1, out);
    assert.match(out, /✖ .*stuck\.test\.ts .*\n\s+'test timed out after 10000ms'/, out);
    assert.match(out, /✔ passes/, out);
    assert.match(out, /ℹ pass 1\n/, out);
  });

  it('refuses a file timeout that is not a positive whole number, saying so', () => {
    for (const bad of ['abc', '0', '-5', '2.5']) {
      const r = spawnSync(process.execPath, [join(repo, 'scripts', 'test.mjs')], {
        cwd: dir,
        env: { ...process.env, TEST_FILE_TIMEOUT_MS: bad },
        encoding: 'utf8',
      });
      assert.equal(r.status, 1, bad);
      assert.match(
        r.stderr,
        new RegExp(`TEST_FILE_TIMEOUT_MS must be a whole number .*\\(got "${bad}"\\)`),
      );
    }
  });
});
