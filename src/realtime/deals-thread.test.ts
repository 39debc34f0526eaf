import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDealsModelThread } from '../analytics/deals/deals-model-thread.js';
import { DealsStore } from '../analytics/deals/deals-store.js';
import { encodeRecord } from '../model/codec.js';
import { searchRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import type { SqlClient } from '../sql/sql-client.js';
import { dealsConfigSchema, dealsUseCaseFromConfig } from './deals-config.js';
import { createDealsUseCase } from './deals-use-case.js';
import type { BatchContext } from './use-case.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');

/** `n` searches JFK-LHR or JFK-CDG, one offer each, prices from `price(i)`. */
function batch(prefix: string, n: number, price: (i: number) => number) {
  return Array.from({ length: n }, (_, i) =>
    searchRecord({
      id: `${prefix}${i}`,
      destination: i % 3 === 0 ? 'CDG' : 'LHR',
      offers: [
        { carrier: 'BA', amount: price(i) },
        { carrier: 'AF', amount: price(i) * 1.1 },
      ],
    }),
  );
}

const ctx = (seq: number): BatchContext => ({
  group: 'rt-deals',
  lastSeq: new Map([[0, seq]]),
  publish: async () => {},
});

/** What a use case wrote: its deals and its stored day sketches, in a stable order. */
async function written(client: SqlClient, store: DealsStore) {
  const deals = (await store.deals({ limit: 1000 }))
    .map((d) => `${d.searchId}:${d.offerIndex}:${d.label}:${d.explanation}`)
    .sort();
  const sketches = await client.query<{ segment: string; day: string; fares: number }>(
    'SELECT segment, day::text AS day, fares FROM deal_sketches ORDER BY segment, day',
  );
  return { deals, sketches: sketches.map((r) => `${r.segment}@${r.day}=${r.fares}`) };
}

describe('deals on a thread of its own', () => {
  let inProcess: SqlClient;
  let onThread: SqlClient;
  before(async () => {
    inProcess = await PGliteClient.open();
    onThread = await PGliteClient.open();
  });
  after(async () => {
    await inProcess.close();
    await onThread.close();
  });

  it('writes what it writes in process, and a thread that dies is replaced and reloaded without a fare counted twice', async () => {
    const sketches = { minFares: 20 };
    const a = new DealsStore(inProcess);
    const b = new DealsStore(onThread);
    const threads: Awaited<ReturnType<typeof startDealsModelThread>>[] = [];
    const inProcessUseCase = () =>
      createDealsUseCase({ store: a, logger: silentLogger, sketches, now: () => NOW });
    let local = inProcessUseCase();
    const threaded = createDealsUseCase({
      store: b,
      logger: silentLogger,
      sketches,
      now: () => NOW,
      decodeOnModel: true,
      openModel: async () => {
        const t = await startDealsModelThread(sketches, undefined, { restartDelayMs: 10 });
        threads.push(t);
        return t;
      },
    });
    const both = async (records: ReturnType<typeof batch>, seq: number) => {
      await local.processBatch(records, ctx(seq));
      await threaded.processBatch(records.map(encodeRecord), ctx(seq));
    };

    await both(
      batch('h', 120, (i) => 400 + i),
      120,
    );
    await both(
      batch('p', 6, (i) => 300 + i * 40),
      126,
    );
    const first = await written(onThread, b);
    assert.deepEqual(first, await written(inProcess, a));
    assert.ok(first.deals.length > 0, 'the probes below typical are deals');
    assert.equal(threads.length, 1);

    // The thread dies between two batches: the next batch fails (the runner retries it),
    // and its retry reloads the sketches from the checkpoint on the new thread, as a
    // restart of the in-process one does (labels then compare with windows rebuilt).
    threads[0]?.crashForTesting();
    const next = batch('q', 30, (i) => 350 + i);
    local = inProcessUseCase();
    await local.processBatch(next, ctx(156));
    let failures = 0;
    for (;;) {
      try {
        await threaded.processBatch(next.map(encodeRecord), ctx(156));
        break;
      } catch (err) {
        assert.equal((err as Error).name, 'DealsThreadError');
        assert.ok(++failures < 50, 'the deals thread never came back');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    assert.ok(failures >= 1, 'the batch after the crash failed at least once');
    // a replay of the counted batch relabels and counts nothing, on both
    await both(next, 156);
    assert.deepEqual(await written(onThread, b), await written(inProcess, a));

    await threaded.close?.();
    assert.equal(threads.length, 1, 'one thread, restarted in place');
    await assert.rejects(threads[0]!.trim(), { name: 'DealsThreadError' });
    await local.close?.();
  });

  it('rejects a batch with a record it cannot use before counting any, naming the record', async () => {
    const own = await PGliteClient.open();
    try {
      const store = new DealsStore(own);
      const uc = createDealsUseCase({
        store,
        logger: silentLogger,
        now: () => NOW,
        decodeOnModel: true,
        openModel: () => startDealsModelThread(),
      });
      const good = batch('g', 4, (i) => 400 + i).map(encodeRecord);
      const unknownAirport = encodeRecord(
        searchRecord({ id: 'x', destination: 'QQQ', offers: [{ carrier: 'BA', amount: 1 }] }),
      );
      const fares = async () =>
        Number(
          (
            await own.query<{ n: string }>(
              "SELECT coalesce(sum(fares), 0)::text AS n FROM deal_sketches WHERE segment LIKE 'full|%'",
            )
          )[0]?.n,
        );
      await assert.rejects(uc.processBatch([...good, unknownAirport], ctx(5)), (err: Error) => {
        assert.equal(err.name, 'RecordRejectedError');
        assert.match(
          err.message,
          /^1 of 5 records cannot be used; record 4: invalid record: .*QQQ/,
        );
        return true;
      });
      await assert.rejects(uc.processBatch([Buffer.from('not a record')], ctx(6)), {
        name: 'RecordRejectedError',
        message: /record 0: .*magic/,
      });
      assert.equal(await fares(), 0);
      // the rest, without them, is counted once
      await uc.processBatch(good, ctx(4));
      assert.equal(await fares(), 8);
      await uc.close?.();
    } finally {
      await own.close();
    }
  });

  it('is in process unless the config says thread: true', async () => {
    const own = await PGliteClient.open();
    try {
      const config = (thread?: boolean) =>
        dealsConfigSchema.parse(thread === undefined ? {} : { thread });
      const inProcess = dealsUseCaseFromConfig({
        client: own,
        logger: silentLogger,
        config: config(),
      });
      assert.equal(inProcess.decode, undefined, 'the runner decodes for it');
      const threaded = dealsUseCaseFromConfig({
        client: own,
        logger: silentLogger,
        config: config(true),
      });
      const bytes = encodeRecord(batch('t', 1, () => 500)[0]!);
      assert.equal(threaded.decode?.(bytes), bytes, 'it takes the bytes');
      await threaded.processBatch([bytes], ctx(1));
      const [row] = await own.query<{ n: string }>(
        'SELECT coalesce(sum(fares), 0)::text AS n FROM deal_sketches',
      );
      assert.equal(row?.n, '4', 'two offers, each in its finest and its market day');
      await threaded.close?.();
    } finally {
      await own.close();
    }
  });
});
