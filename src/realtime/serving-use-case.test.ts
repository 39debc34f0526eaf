import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import type { PruneOptions, RowStore } from '../serving/row-store.js';
import { RecordRejectedError } from './errors.js';
import { APPLY_RECORDS, createServingUseCase } from './serving-use-case.js';

describe('serving use case', () => {
  it('applies every batch, prunes at most once per interval, and survives a failed prune', async () => {
    const calls: string[] = [];
    let clock = 0;
    let pruneFails = false;
    const fake = {
      applyRecords: async (rs: unknown[]) => {
        calls.push(`apply ${rs.length}`);
        return { newSearches: rs.length, faresChanged: 0, changedMarkets: [] };
      },
      prune: async (o: PruneOptions) => {
        calls.push(`prune ${o.now} ${o.fareRetentionMs} ${o.searchRetentionMs}`);
        if (pruneFails) throw new Error('db down');
        return { searchIds: 0, departedFares: 0, staleFares: 0 };
      },
    } as unknown as RowStore;
    const uc = createServingUseCase({
      rowStore: fake,
      logger: silentLogger,
      pruneEveryMs: 1000,
      retention: { fareRetentionMs: 7_200_000, searchRetentionMs: 9_000_000 },
      now: () => clock,
    });
    const ctx = {
      group: 'rt-serving',
      lastSeq: new Map<number, number>(),
      publish: async () => {},
    };
    const batch = [searchRecord({ id: 'a', offers: [{ carrier: 'BA', amount: 1 }] })];
    assert.equal(uc.name, 'serving');
    await uc.processBatch(batch, ctx);
    clock = 500;
    await uc.processBatch(batch, ctx);
    clock = 1500;
    pruneFails = true;
    await uc.processBatch(batch, ctx);
    assert.deepEqual(calls, [
      'apply 1',
      'prune 0 7200000 9000000',
      'apply 1',
      'apply 1',
      'prune 1500 7200000 9000000',
    ]);
  });

  it('applies a large batch in transactions of at most APPLY_RECORDS records, so reads run between them', async () => {
    const applied: number[] = [];
    const reads: number[] = [];
    const fake = {
      applyRecords: async (rs: unknown[]) => {
        applied.push(rs.length);
        // an API read that arrives meanwhile is served before the next transaction
        setImmediate(() => reads.push(applied.length));
        return { newSearches: rs.length, faresChanged: 0, changedMarkets: [] };
      },
      prune: async () => ({ searchIds: 0, departedFares: 0, staleFares: 0 }),
    } as unknown as RowStore;
    const uc = createServingUseCase({ rowStore: fake, logger: silentLogger });
    const batch = Array.from({ length: 2 * APPLY_RECORDS + 1 }, (_, i) =>
      searchRecord({ id: `r${i}`, offers: [{ carrier: 'BA', amount: 100 + i }] }),
    );
    await uc.processBatch(batch, {
      group: 'rt-serving',
      lastSeq: new Map(),
      publish: async () => {},
    });
    assert.deepEqual(applied, [APPLY_RECORDS, APPLY_RECORDS, 1]);
    assert.deepEqual(
      reads.slice(0, 2),
      [1, 2],
      'a read ran after each transaction, before the next',
    );
  });

  it('rejects when the row store does, so the batch is retried', async () => {
    const uc = createServingUseCase({
      rowStore: {
        applyRecords: async () => {
          throw new Error('connection lost');
        },
      } as unknown as RowStore,
      logger: silentLogger,
    });
    await assert.rejects(
      uc.processBatch([searchRecord({ id: 'a', offers: [{ carrier: 'BA', amount: 1 }] })], {
        group: 'rt-serving',
        lastSeq: new Map(),
        publish: async () => {},
      }),
      /connection lost/,
    );
  });

  it('refuses invalid records before writing, and data the database refuses, as RecordRejectedError', async () => {
    let writes = 0;
    const failWith = (err: Error | undefined) =>
      createServingUseCase({
        rowStore: {
          applyRecords: async () => {
            writes++;
            if (err) throw err;
            return { newSearches: 0, faresChanged: 0, changedMarkets: [] };
          },
        } as unknown as RowStore,
        logger: silentLogger,
      });
    const ctx = { group: 'rt-serving', lastSeq: new Map(), publish: async () => {} };
    const bad = searchRecord({ id: 'nul\u0000', offers: [{ carrier: 'BA', amount: 0 }] });
    await assert.rejects(failWith(undefined).processBatch([bad], ctx), (err: Error) => {
      assert.ok(err instanceof RecordRejectedError);
      assert.match(err.message, /id: must not contain control characters/);
      assert.match(err.message, /offers\[0\]\.totalAmount: must be positive/);
      return true;
    });
    assert.equal(writes, 0, 'an invalid record reached the row store');
    const pgError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      code: '22021',
    });
    const good = searchRecord({ id: 'a', offers: [{ carrier: 'BA', amount: 1 }] });
    await assert.rejects(failWith(pgError).processBatch([good], ctx), RecordRejectedError);
    const outage = Object.assign(new Error('connection refused'), { code: '08006' });
    await assert.rejects(failWith(outage).processBatch([good], ctx), (err: Error) => {
      assert.equal(err instanceof RecordRejectedError, false, 'an outage must be retried');
      return true;
    });
  });

  it('bumps the cache scopes of changed markets, retrying a failed bump with the next batch', async () => {
    const bumps: string[][] = [];
    let bumpFails = true;
    let changed = ['JFK-LHR'];
    const uc = createServingUseCase({
      rowStore: {
        applyRecords: async () => ({ newSearches: 1, faresChanged: 1, changedMarkets: changed }),
        prune: async () => ({ searchIds: 0, departedFares: 0 }),
      } as unknown as RowStore,
      cache: {
        bump: async (scopes) => {
          bumps.push([...scopes]);
          if (bumpFails) throw new Error('redis down');
        },
      },
      logger: silentLogger,
    });
    const ctx = {
      group: 'rt-serving',
      lastSeq: new Map<number, number>(),
      publish: async () => {},
    };
    const batch = [searchRecord({ id: 'a', offers: [{ carrier: 'BA', amount: 1 }] })];
    await uc.processBatch(batch, ctx);
    bumpFails = false;
    changed = ['JFK-CDG'];
    await uc.processBatch(batch, ctx);
    changed = [];
    await uc.processBatch(batch, ctx);
    assert.deepEqual(bumps, [
      ['all', 'm:JFK-LHR'],
      ['all', 'm:JFK-LHR', 'm:JFK-CDG'],
    ]);
  });
});
