import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildProgram, COMMANDS, invokedCommand } from './main.js';

describe('the faresight command', () => {
  it('registers every documented command', async () => {
    const names = (await buildProgram()).commands.map((c) => c.name());
    for (const n of [
      'up',
      'ingest',
      'lake',
      'realtime',
      'api',
      'etl',
      'sql',
      'customers',
      'graph',
      'catalog',
      'forecast',
      'deals',
      'generate',
      'query',
      'parse',
      'stream',
      'replay',
      'config',
      'vendor-token',
    ]) {
      assert.ok(names.includes(n), `faresight ${n} is not registered`);
    }
    assert.deepEqual(
      names,
      COMMANDS.map((c) => c.name),
      'COMMANDS lists every command, in order',
    );
  });

  it("lists each command with its own module's description", async () => {
    const program = await buildProgram();
    for (const c of COMMANDS)
      assert.equal(
        program.commands.find((p) => p.name() === c.name)?.description(),
        c.description,
        `COMMANDS' description of ${c.name} differs from its module's`,
      );
  });

  it('finds the command to load past options and the config file', () => {
    assert.equal(
      invokedCommand(['node', 'faresight', '-c', 'x.json', 'query', 'select 1']),
      'query',
    );
    assert.equal(invokedCommand(['node', 'faresight', 'help', 'replay']), 'replay');
    assert.equal(invokedCommand(['node', 'faresight', '--config', 'up', 'help']), undefined);
    assert.equal(invokedCommand(['node', 'faresight']), undefined);
    assert.equal(invokedCommand(['node', 'faresight', 'nope']), undefined);
  });

  it('`help` and `--version` load no command module, a command loads its own', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'faresight-main-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    // A resolve hook that prints every module of the command tree and every backend
    // package as it is resolved.
    await writeFile(
      join(dir, 'hooks.mjs'),
      [
        'export async function resolve(s, c, next) {',
        '  const r = await next(s, c);',
        '  if (/\\/src\\/cli\\/|@duckdb|pglite|@aws-sdk|nats|ioredis/.test(r.url))',
        "    process.stderr.write('RESOLVED ' + r.url + '\\n');",
        '  return r;',
        '}',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module'; register(${JSON.stringify(`file://${dir}/hooks.mjs`)});`,
    );
    const run = (...args: string[]) => {
      const r2 = spawnSync(
        process.execPath,
        [
          '--import',
          join(dir, 'register.mjs'),
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          "const { main } = await import('./src/cli/main.ts'); await main(process.argv);",
          'faresight',
          ...args,
        ],
        { encoding: 'utf8' },
      );
      const resolved = (r2.stderr.match(/RESOLVED \S+/g) ?? []).map((l) => l.slice(9));
      return { status: r2.status, out: r2.stdout, resolved };
    };
    for (const args of [['help'], ['--version']]) {
      const r = run(...args);
      assert.equal(r.status, 0, args.join(' '));
      assert.deepEqual(
        r.resolved.filter((u) => !u.endsWith('/src/cli/main.ts')),
        [],
        `faresight ${args.join(' ')} loaded more than main.ts`,
      );
    }
    assert.match(run('--version').out, /^\d+\.\d+\.\d+/);
    const replay = run('help', 'replay');
    assert.equal(replay.status, 0);
    assert.match(replay.out, /Usage: faresight replay \[options\]/);
    assert.ok(replay.resolved.some((u) => u.endsWith('/src/cli/stream.ts')));
    assert.ok(!replay.resolved.some((u) => u.endsWith('/src/cli/up.ts')));
  });
});
