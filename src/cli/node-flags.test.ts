/**
 * bin/node-flags.json lists the V8 flags every Faresight process starts with, and
 * bin/node-env.json the environment it starts with; the command's first line, the npm
 * scripts and the image have to repeat them by hand, so this checks that they do, that
 * this Node.js accepts the flags, and that the first line does set the environment.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const flags = JSON.parse(fs.readFileSync('bin/node-flags.json', 'utf8')) as string[];
const env = JSON.parse(fs.readFileSync('bin/node-env.json', 'utf8')) as Record<string, string>;
const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
const shebang = fs.readFileSync('bin/faresight.mjs', 'utf8').split('\n')[0]!;

test('the command, npm start and npm run faresight start with the environment and the flags', () => {
  assert.ok(flags.length > 0);
  assert.ok(assignments.length > 0);
  const command = [...assignments, 'node', ...flags].join(' ');
  assert.equal(shebang, `#!/usr/bin/env -S ${command}`);
  const scripts = JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts as Record<
    string,
    string
  >;
  for (const name of ['start', 'faresight'])
    assert.ok(
      scripts[name]!.startsWith(`${command} bin/faresight.mjs`),
      `npm script ${name}: ${scripts[name]}`,
    );
});

test("the image's entry point starts node with the flags, in the environment", () => {
  const dockerfile = fs.readFileSync('Dockerfile', 'utf8');
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  assert.ok(entry, 'Dockerfile has an ENTRYPOINT in exec form');
  const argv = JSON.parse(entry[1]!) as string[];
  const node = argv.indexOf('node');
  assert.deepEqual(argv.slice(node + 1), [...flags, 'bin/faresight.mjs']);
  // the runtime stage's ENV (the last one): `KEY=value` pairs continued with backslashes
  const envBlock = [...dockerfile.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)].at(-1)?.[1] ?? '';
  for (const a of assignments)
    assert.ok(envBlock.split(/\s+/).includes(a), `the runtime stage's ENV sets ${a}`);
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

test('a script with the command first line runs with the environment and the flags', (t) => {
  // The first line run by the kernel, as `./bin/faresight.mjs` or an npm-installed
  // `faresight` is: `env -S` must split it, set the variables and find node.
  const probe = spawnSync('env', ['-S', 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip(`this machine's env has no -S (${probe.stderr.trim() || probe.error?.message})`);
    return;
  }
  const dir = fs.mkdtempSync(join(tmpdir(), 'fs-shebang-'));
  try {
    const script = join(dir, 'probe.mjs');
    fs.writeFileSync(
      script,
      `${shebang}\nconsole.log(JSON.stringify({ env: Object.fromEntries(${JSON.stringify(Object.keys(env))}.map((k) => [k, process.env[k]])), argv: process.execArgv }));\n`,
      { mode: 0o755 },
    );
    const clean = { ...process.env };
    for (const k of Object.keys(env)) delete clean[k];
    const r = spawnSync(script, { encoding: 'utf8', env: clean });
    assert.equal(r.status, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as { env: Record<string, string>; argv: string[] };
    assert.deepEqual(seen.env, env);
    assert.deepEqual(seen.argv, flags);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
