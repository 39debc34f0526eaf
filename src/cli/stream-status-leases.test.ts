/** `faresight stream status` names the process holding each shard of a leased group. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, it } from 'node:test';
import { openEmbeddedLeaseStore } from '../stream/embedded/embedded-lease-sql.js';
import { EmbeddedStream } from '../stream/embedded/embedded-stream.js';
import { LeasedConsumer } from '../stream/lease/leased-consumer.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-status-leases-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const cfg = path.join(dir, 'faresight.config.json');
fs.writeFileSync(
  cfg,
  JSON.stringify({ dataDir: dir, stream: { shards: 4 }, consumers: { leases: true } }),
);

function status(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['bin/faresight.mjs', '-c', cfg, 'stream', 'status', ...args],
      (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
    ),
  );
}

it('stream status shows which process holds which shard, and frees them after a stop', async () => {
  const stream = new EmbeddedStream({
    dir: path.join(dir, 'stream'),
    name: 'shopping',
    shards: 4,
    retentionMs: 86_400_000,
    dedupeWindowMs: 0,
    trimIntervalMs: 0,
    writerThread: false,
  });
  await stream.connect();
  const consumer = await LeasedConsumer.open(
    stream,
    'rt-serving',
    { count: 10, bytes: 1 << 20, periodMs: 10 },
    {
      store: openEmbeddedLeaseStore(path.join(dir, 'stream'), 'shopping'),
      owner: 'host-1-4242-abcdef',
      ttlMs: 60_000,
    },
  );
  await consumer.read();
  const json = JSON.parse(await status('--json')) as {
    leases: { group: string; shard: number; owner?: string; epoch: number }[];
  };
  assert.deepEqual(
    json.leases.map((l) => [l.group, l.shard, l.owner]),
    [0, 1, 2, 3].map((s) => ['rt-serving', s, 'host-1-4242-abcdef']),
  );
  const text = await status();
  assert.match(text, /rt-serving\s+2\s+host-1-4242-abcdef\s+1\s+\d+\.\d s/);
  await consumer.close();
  assert.match(await status(), /rt-serving\s+3\s+\(free\)/);
  await stream.close();
});
