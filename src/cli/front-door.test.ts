/**
 * The README stays a front door and the layout page stays whole: at most 200 lines, a
 * line for every command, a data-flow picture that names every role, links that resolve,
 * and docs/layout.md naming every folder of src/.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMANDS } from './main.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

describe('README and docs/layout.md', () => {
  it('the README is at most 200 lines and links only to files that exist', () => {
    const lines = readme.split('\n').length;
    assert.ok(lines <= 200, `README.md has ${lines} lines; move detail to docs/`);
    for (const [, target] of readme.matchAll(/\]\(((?:docs|src)\/[^)#\s]+)/g))
      assert.ok(existsSync(new URL(target!, root)), `README links to ${target}, which is missing`);
  });

  it('has a line for every command', () => {
    for (const c of COMMANDS)
      assert.match(readme, new RegExp(`^\\| \`faresight ${c.name}\\b`, 'm'), `faresight ${c.name}`);
  });

  it('the data-flow picture names every role', () => {
    const at = readme.indexOf('## How data flows');
    const picture = readme.slice(
      readme.indexOf('```', at),
      readme.indexOf('```\n', readme.indexOf('```', at) + 3),
    );
    for (const role of [
      'ingest',
      'stream',
      'lake writer',
      'real-time',
      'query',
      'ETL',
      'ponds',
      'forecast',
      'deals',
      'API',
      'SQL endpoint',
    ])
      assert.ok(picture.includes(role), `the data-flow picture leaves out ${role}`);
  });

  it('docs/layout.md names every folder of src/', () => {
    const layout = readFileSync(new URL('docs/layout.md', root), 'utf8');
    const folders = readdirSync(new URL('src/', root), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    for (const f of folders) assert.match(layout, new RegExp(`^src/${f}\\s`, 'm'), `src/${f}`);
  });
});
