/** `faresight stream status` lists the stream's generations after a reshard. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, it } from 'node:test';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-status-gens-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const cfg = path.join(dir, 'faresight.config.json');
fs.writeFileSync(cfg, JSON.stringify({ dataDir: dir, stream: { shards: 4 } }));

function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['bin/faresight.mjs', '-c', cfg, ...args], (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
    ),
  );
}

it('stream status shows each generation: live or sealed, its shards, records, oldest and newest', async () => {
  await cli('stream', 'reshard', '--shards', '6');
  const json = JSON.parse(await cli('stream', 'status', '--json')) as {
    generations: {
      gen: number;
      state: string;
      firstShard: number;
      shards: number;
      records: number;
    }[];
  };
  assert.deepEqual(
    json.generations.map((g) => [g.gen, g.state, g.firstShard, g.shards, g.records]),
    [
      [0, 'sealed', 0, 4, 0],
      [1, 'live', 4, 6, 0],
    ],
  );
  const text = await cli('stream', 'status');
  assert.match(text, /^\s+0\s+sealed\s+0\.\.3\s+0\s+-\s+-$/m);
  assert.match(text, /^\s+1\s+live\s+4\.\.9\s+0\s+-\s+-$/m);
});
