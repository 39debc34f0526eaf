import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../ops/logger.js';
import type { RowStore } from './row-store.js';
import { createServingUseCase } from './serving-use-case.js';
import { searchRecord } from './testing/records.js';

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
      prune: async () => {
        calls.push('prune');
        if (pruneFails) throw new Error('db down');
        return { searchIds: 0, departedFares: 0 };
      },
    } as unknown as RowStore;
    const uc = createServingUseCase({
      rowStore: fake,
      logger: silentLogger,
      pruneEveryMs: 1000,
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
    assert.deepEqual(calls, ['apply 1', 'prune', 'apply 1', 'apply 1', 'prune']);
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
