/**
 * Processes that start together create the stream's database together (lake writers
 * sharing shards by lease, in CI): each must open it. Before, one in five pairs failed,
 * with `database is locked` (the switch to WAL) or a UNIQUE violation (both recording the
 * shard count).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'faresight-log-open-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const logModule = fileURLToPath(new URL('./embedded-log.ts', import.meta.url));

/** Opens `file` in a process of its own; resolves what it printed. */
async function openInChild(file: string, shards: number): Promise<string> {
  const script =
    `const { openLogDatabase } = await import(${JSON.stringify(logModule)});` +
    `try { openLogDatabase(${JSON.stringify(file)}, 'shopping', ${shards}).close(); console.log('ok'); }` +
    `catch (e) { console.log('failed: ' + e.message); }`;
  const { stdout } = await run(process.execPath, [
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    script,
  ]);
  return stdout.trim();
}

test('two processes creating the same stream database at once both open it', async () => {
  for (let i = 0; i < 12; i++) {
    const file = join(dir, `s-${i}.db`);
    const answers = await Promise.all([openInChild(file, 4), openInChild(file, 4)]);
    assert.deepEqual(answers, ['ok', 'ok'], `pair ${i}`);
  }
  // the count the first recorded is kept: another one is refused, not written over
  assert.match(await openInChild(join(dir, 's-0.db'), 8), /failed: .*created with 4 shards/);
});
