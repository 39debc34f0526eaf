import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { CLI_REFERENCE_COMMAND, renderCliReference } from './cli-reference.js';
import { buildProgram, COMMANDS } from './main.js';

const DOC = new URL('../../docs/cli.md', import.meta.url);
const bin = join(import.meta.dirname, '..', '..', 'bin', 'faresight.mjs');

/** Every command under `cmd` (depth first), with its path of names. */
function tree(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  return cmd.commands.flatMap((c) => [
    { path: [...path, c.name()], cmd: c },
    ...tree(c, [...path, c.name()]),
  ]);
}

const collapse = (s: string) => s.replace(/\s+/g, ' ');

describe('CLI reference', () => {
  it('docs/cli.md is the one generated from the command definitions', async () => {
    assert.ok(
      readFileSync(DOC, 'utf8') === renderCliReference(await buildProgram()),
      `docs/cli.md is stale: regenerate it with \`${CLI_REFERENCE_COMMAND}\``,
    );
  });

  it('documents every command and subcommand with its description, every option with its own', async () => {
    const program = await buildProgram();
    const doc = renderCliReference(program);
    const all = tree(program);
    assert.ok(all.length > COMMANDS.length, 'subcommands are in the tree');
    for (const { path, cmd } of all) {
      const name = `faresight ${path.join(' ')}`;
      assert.ok(cmd.description().trim().length > 0, `${name} says what it does`);
      assert.match(doc, new RegExp(`^#{2,4} ${name}$`, 'm'), `${name} has a section`);
      for (const o of cmd.options.filter((x) => !x.hidden)) {
        assert.ok(o.description.trim().length > 0, `${name} ${o.flags} has a description`);
        assert.ok(doc.includes(`| \`${o.flags}\` |`), `${name} ${o.flags} is documented`);
      }
    }
    // a default commander holds, and one only the description states
    assert.match(doc, /\| `--database <name>` \| `"faresight"` \|/);
    assert.match(doc, /\| `--demo-rate <n>` \| `50` \|/);
  });

  it('`faresight help` lists every command with what it does', () => {
    const help = collapse(execFileSync(process.execPath, [bin, 'help'], { encoding: 'utf8' }));
    for (const c of COMMANDS) {
      const line = new RegExp(
        ` ${c.name} (\\[[^\\]]*\\] )?${collapse(c.description).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      );
      assert.match(help, line, `faresight help lists ${c.name} with its description`);
    }
  });
});
