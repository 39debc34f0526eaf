/**
 * A use case's loop that throws outside the record-level handling (a bug, a stream that
 * returns garbage) is logged, backed off and restarted from its last committed checkpoint,
 * while the other use cases keep flowing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { encodeRecord } from '../model/codec.js';
import { marketKey } from '../model/shopping-record.js';
import { searchRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { openTestStream } from '../stream/embedded/testing/test-streams.js';
import type { Batch, Consumer, Stream } from '../stream/stream.js';
import { type RealtimeService, startRealtime } from './realtime-runner.js';
import { pending, until } from './testing/runner-fixtures.js';
import type { UseCase } from './use-case.js';

const policy = { count: 7, bytes: 1 << 20, periodMs: 20 };
const retry = { initialDelayMs: 2, maxDelayMs: 20 };

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'faresight-rt-restart-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const openStream = (dir: string) => openTestStream(dir);

function ids(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

async function append(stream: Stream, recordIds: string[]): Promise<void> {
  await stream.append(
    recordIds.map((id, i) => {
      const r = searchRecord({
        id,
        destination: ['LHR', 'CDG'][i % 2],
        offers: [{ carrier: 'BA', amount: 100 + i }],
      });
      return { key: marketKey(r), id: r.id, data: encodeRecord(r) };
    }),
  );
}

function recorder(name: string, process: (ids: string[]) => void = () => {}) {
  const seen: string[] = [];
  const uc: UseCase = {
    name,
    async processBatch(recs) {
      process(recs.map((r) => r.id));
      seen.push(...recs.map((r) => r.id));
    },
  };
  return { uc, seen };
}

/**
 * The real stream, except that while `broken()` the consumers of `group` hand out
 * batches that throw when the runner looks at their records: a fault outside any
 * record, which no retry of a batch can absorb.
 */
function breakingStream(stream: Stream, group: string, broken: () => boolean): Stream {
  const wrap = (c: Consumer): Consumer => ({
    group: c.group,
    async read(signal) {
      const b = await c.read(signal);
      if (!broken() || b.records.length === 0) return b;
      return {
        ...b,
        get records(): Batch['records'] {
          throw new Error('the stream handed out a broken batch');
        },
      };
    },
    commit: (b) => c.commit(b),
    reset: () => c.reset(),
    close: () => c.close(),
  });
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'consumer')
        return async (g: string, p: Parameters<Stream['consumer']>[1]) => {
          const c = await target.consumer(g, p);
          return g === group ? wrap(c) : c;
        };
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('realtime runner: crashed loops', () => {
  it('restarts a crashed loop from its checkpoint; others flow meanwhile; nothing lost or doubled', async () => {
    const stream = await openStream(join(root, 'crash'));
    let broken = false;
    const steady = recorder('steady');
    const crashy = recorder('crashy');
    const registry = new Registry();
    let rt: RealtimeService | undefined;
    try {
      await append(stream, ids('a', 20));
      rt = await startRealtime({
        stream: breakingStream(stream, 'rt-crashy', () => broken),
        useCases: [steady.uc, crashy.uc],
        policy,
        logger: silentLogger,
        retry,
        registry,
      });
      await until('both caught up', async () => (await pending(stream, 'rt-crashy')) === 0);
      await until('steady caught up', async () => (await pending(stream, 'rt-steady')) === 0);

      broken = true;
      await append(stream, ids('b', 20));
      const crashesBefore = rt.stats()[1]?.restarts ?? 0;
      await until('crashy crashed and was restarted twice', () => {
        return (rt?.stats()[1]?.restarts ?? 0) >= crashesBefore + 2;
      });
      // The other use case is not held up by the crashing one.
      await until('steady took the new records', () => steady.seen.length === 40);
      assert.equal(await pending(stream, 'rt-crashy'), 20);
      assert.match(rt.stats()[1]?.lastError ?? '', /broken batch/);

      broken = false;
      await until('crashy caught up after the fault', async () => {
        return (await pending(stream, 'rt-crashy')) === 0;
      });
      const all = [...ids('a', 20), ...ids('b', 20)].sort();
      assert.deepEqual([...crashy.seen].sort(), all, 'crashy: every record exactly once');
      assert.deepEqual([...steady.seen].sort(), all, 'steady: every record exactly once');
      assert.equal(rt.stats()[0]?.restarts, 0);
      assert.match(
        await registry.getSingleMetricAsString('faresight_realtime_restarts_total'),
        /use_case="crashy"} [2-9]|use_case="crashy"} \d\d/,
      );
    } finally {
      await rt?.stop();
      await stream.close();
    }
  });

  it('retries a batch whose use case throws something that is not an Error', async () => {
    const stream = await openStream(join(root, 'null'));
    let throwOnce = true;
    const odd = recorder('odd', () => {
      if (throwOnce) {
        throwOnce = false;
        throw null;
      }
    });
    let rt: RealtimeService | undefined;
    try {
      await append(stream, ids('n', 10));
      rt = await startRealtime({
        stream,
        useCases: [odd.uc],
        policy,
        logger: silentLogger,
        retry,
      });
      await until('all committed', async () => (await pending(stream, 'rt-odd')) === 0);
      assert.deepEqual([...odd.seen].sort(), ids('n', 10).sort());
      assert.equal(rt.stats()[0]?.failures, 1);
    } finally {
      await rt?.stop();
      await stream.close();
    }
  });
});
