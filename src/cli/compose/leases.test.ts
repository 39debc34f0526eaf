/**
 * The wiring of consumers.leases: two real-time roles started from one configuration
 * (as two `faresight realtime` processes would be) share each use case's shards through
 * the lease store beside the embedded stream, and a stop hands its shards off at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { Registry } from 'prom-client';
import { configSchema } from '../../config/config.js';
import { DEAD_LETTER_STREAM } from '../../model/dead-letter.js';
import { silentLogger } from '../../ops/logger.js';
import type { UseCase } from '../../realtime/use-case.js';
import type { Stream } from '../../stream/stream.js';
import { openLeaseStore } from './leases.js';
import { startRealtimeRole } from './roles.js';
import { openStream } from './stream.js';

const dir = mkdtempSync(join(tmpdir(), 'faresight-leases-wiring-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('two realtime roles with consumers.leases split the shards; a stop frees its shards at once', async () => {
  const config = configSchema.parse({
    dataDir: dir,
    stream: { shards: 4 },
    consumers: { leases: true, leaseSeconds: 3 },
    realtime: { batch: { count: 20, periodMs: 20 } },
  });
  const opened: Stream[] = [];
  const role = async () => {
    const stream = await openStream(config, silentLogger);
    const deadLetters = await openStream(config, silentLogger, DEAD_LETTER_STREAM);
    opened.push(stream, deadLetters);
    const uc: UseCase = { name: 'noop', async processBatch() {} };
    return startRealtimeRole({
      config,
      stream,
      deadLetters,
      useCases: [uc],
      logger: silentLogger,
      registry: new Registry(),
    });
  };
  const a = await role();
  const b = await role();
  const store = await openLeaseStore(config, 'shopping');
  const owners = async () =>
    (await store.leases('shopping', 'rt-noop')).map((l) => l.owner ?? '(free)');
  await until('a 2/2 split between two owners', async () => {
    const o = await owners();
    const counts = [...new Set(o)].map((x) => o.filter((y) => y === x).length);
    return !o.includes('(free)') && counts.length === 2 && counts.every((n) => n === 2);
  });
  await a.stop();
  const afterStop = await owners();
  // Read at once: a's leases (renewed within the last second, 3 s each) have not expired,
  // so only the release at stop explains a's id being gone.
  assert.equal(new Set(afterStop.filter((o) => o !== '(free)')).size, 1, 'a left its shards');
  await until('b taking every shard', async () =>
    (await owners()).every((o) => o === afterStop.find((x) => x !== '(free)')),
  );
  await b.stop();
  assert.deepEqual(await owners(), ['(free)', '(free)', '(free)', '(free)']);
  await store.close();
  for (const s of opened) await s.close();
});

it('consumers.leases on Kinesis with the checkpoints in a PGlite is refused naming rowStore.backend', async () => {
  const config = configSchema.parse({
    dataDir: dir,
    stream: { backend: 'kinesis', shards: 2 },
    consumers: { leases: true },
  });
  await assert.rejects(openLeaseStore(config, 'shopping'), /set rowStore\.backend=postgres/);
});
