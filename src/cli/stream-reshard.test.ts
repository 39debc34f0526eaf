/**
 * `faresight stream reshard --shards M` on a live embedded platform: a realtime role with
 * consumers.leases keeps running across the reshard (its group drains generation 0, then
 * leases generation 1's shards), an ingest-side stream opened before the reshard moves its
 * appends on, and every record is processed exactly once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, it } from 'node:test';
import { Registry } from 'prom-client';
import { configSchema } from '../config/config.js';
import { DEAD_LETTER_STREAM } from '../model/dead-letter.js';
import { silentLogger } from '../ops/logger.js';
import type { UseCase } from '../realtime/use-case.js';
import type { AppendRecord } from '../stream/stream.js';
import { startRealtimeRole } from './compose/roles.js';
import { openStream } from './compose/stream.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-reshard-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const cfg = path.join(dir, 'faresight.config.json');
const raw = {
  dataDir: dir,
  stream: { shards: 2 },
  consumers: { leases: true, leaseSeconds: 3 },
  realtime: { batch: { count: 20, periodMs: 20 } },
};
fs.writeFileSync(cfg, JSON.stringify(raw));

/** 100 records over 10 markets; each record's data is its id. */
const records = (prefix: string): AppendRecord[] =>
  Array.from({ length: 100 }, (_, i) => ({
    key: `MKT${i % 10}`,
    id: `${prefix}-${i}`,
    data: new TextEncoder().encode(`${prefix}-${i}`),
  }));

function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['bin/faresight.mjs', '-c', cfg, ...args], (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
    ),
  );
}

it('stream reshard grows a live stream 2 -> 5 shards; every record is processed once', async () => {
  const config = configSchema.parse(raw);
  const ingest = await openStream(config, silentLogger);
  const stream = await openStream(config, silentLogger);
  const deadLetters = await openStream(config, silentLogger, DEAD_LETTER_STREAM);
  const seen: string[] = [];
  const uc: UseCase<string> = {
    name: 'count',
    decode: (data) => new TextDecoder().decode(data),
    async processBatch(ids) {
      seen.push(...ids);
    },
  };
  const role = await startRealtimeRole({
    config,
    stream,
    deadLetters,
    useCases: [uc as unknown as UseCase],
    logger: silentLogger,
    registry: new Registry(),
  });
  await ingest.append(records('a'));
  const out = await cli('stream', 'reshard', '--shards', '5');
  assert.match(out, /generation 1 with 5 shards \(ids 2\.\.6\)/);
  await ingest.append(records('b'));
  assert.equal(ingest.shards, 5, 'the appender moved to generation 1');
  const deadline = Date.now() + 120_000; // a hang guard, not a timing check
  while (seen.length < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await role.stop();
  assert.equal(seen.length, 200);
  assert.equal(new Set(seen).size, 200, 'each record processed once');
  const lag = await stream.lag('rt-count');
  assert.deepEqual(
    lag.map((l) => [l.shard, l.records]),
    [0, 1, 2, 3, 4, 5, 6].map((s) => [s, 0]),
    'both generations read to their end',
  );
  await assert.rejects(cli('stream', 'reshard', '--shards', '5'), /already has 5 shards/);
  const status = JSON.parse(await cli('stream', 'status', '--json')) as { shards: number };
  assert.equal(status.shards, 5);
  for (const s of [ingest, stream, deadLetters]) await s.close();
});
