/**
 * bin/node-flags.json lists the V8 flags every Faresight process starts with; the
 * command's first line and the npm scripts have to repeat them by hand, so this checks
 * that they do, and that this Node.js accepts them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'node:test';

const flags = JSON.parse(fs.readFileSync('bin/node-flags.json', 'utf8')) as string[];

test('the command, npm start and npm run faresight start with the flags', () => {
  assert.ok(flags.length > 0);
  const shebang = fs.readFileSync('bin/faresight.mjs', 'utf8').split('\n')[0]!;
  assert.equal(shebang, `#!/usr/bin/env -S node ${flags.join(' ')}`);
  const scripts = JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts as Record<
    string,
    string
  >;
  for (const name of ['start', 'faresight'])
    assert.ok(
      scripts[name]!.startsWith(`node ${flags.join(' ')} bin/faresight.mjs`),
      `npm script ${name}: ${scripts[name]}`,
    );
});

test('node accepts the flags', () => {
  const r = spawnSync(
    process.execPath,
    [...flags, '-e', "console.log(process.execArgv.join(' '))"],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.ok(r.stdout.startsWith(`${flags.join(' ')} -e`), r.stdout);
});
