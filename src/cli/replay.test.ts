/**
 * `faresight replay` on an embedded stream: a time within retention rewinds the group
 * there; a time further back still rewinds (the group reads all that is left) but says
 * that older records are only in the lake, where it once printed the time asked for as if
 * it had all been there.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { silentLogger } from '../ops/logger.js';
import { openStream } from './compose/stream.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-replay-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const cfg = path.join(dir, 'faresight.config.json');
const raw = { dataDir: dir, stream: { shards: 1 } };
fs.writeFileSync(cfg, JSON.stringify(raw));

function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['bin/faresight.mjs', '-c', cfg, ...args], (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
    ),
  );
}

it('replay before retention rewinds and says where the older records are', async () => {
  const stream = await openStream(configSchema.parse(raw), silentLogger);
  const first = Date.now();
  await stream.append(
    Array.from({ length: 5 }, (_, i) => ({
      key: 'JFK-LAX',
      id: `r${i}`,
      data: new TextEncoder().encode(`r${i}`),
    })),
  );
  // the group exists once a consumer of it has opened
  const consumer = await stream.consumer('lake', { count: 10, bytes: 1 << 20, periodMs: 10 });
  await consumer.close();
  await stream.close();

  const within = await cli(
    'replay',
    '--group',
    'lake',
    '--from',
    new Date(first - 1).toISOString(),
  );
  assert.match(within, /^rewound lake to /);
  assert.doesNotMatch(within, /retention/);

  const before = await cli('replay', '--group', 'lake', '--from', '2020-01-01');
  assert.match(before, /^rewound lake to 2020-01-01T00:00:00\.000Z\n/);
  assert.match(
    before,
    /note: that is further back than the stream's retention \(24 h\): lake reads every record the stream still holds again, from \d{4}-\d\d-\d\dT[\d:.]+Z; older records are only in the lake/,
  );
});
