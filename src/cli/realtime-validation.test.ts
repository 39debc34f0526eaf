/**
 * The real-time side applies the configured validation policy: a record ingest keeps
 * under `validation.unknownAirports: flag` is not refused by the serving use case.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { searchRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { RecordRejectedError } from '../realtime/errors.js';
import type { PruneOptions, RowStore } from '../serving/row-store.js';
import { USE_CASES } from './realtime.js';

describe('serving use case built from configuration', () => {
  const ctx = { group: 'rt-serving', lastSeq: new Map<number, number>(), publish: async () => {} };
  const qqq = searchRecord({ id: 'q', origin: 'QQQ', offers: [{ carrier: 'BA', amount: 100 }] });

  function serving(validation: Record<string, unknown>, useCases: Record<string, unknown> = {}) {
    const written: string[] = [];
    const pruned: PruneOptions[] = [];
    const rowStore = {
      applyRecords: async (rs: { id: string }[]) => {
        for (const r of rs) written.push(r.id);
        return { newSearches: rs.length, faresChanged: 0, changedMarkets: [] };
      },
      prune: async (o: PruneOptions) => {
        pruned.push(o);
        return { searchIds: 0, departedFares: 0, staleFares: 0 };
      },
    } as unknown as RowStore;
    const config = configSchema.parse({ validation, realtime: { useCases } });
    return { uc: USE_CASES.serving({ rowStore, logger: silentLogger, config }), written, pruned };
  }

  it('prunes with the retention of realtime.useCases.serving', async () => {
    const { uc, pruned } = serving(
      { unknownAirports: 'flag' },
      { serving: { fareRetentionHours: 3, searchRetentionHours: 30 } },
    );
    await uc.processBatch([qqq], ctx);
    assert.equal(pruned[0]?.fareRetentionMs, 3 * 3_600_000);
    assert.equal(pruned[0]?.searchRetentionMs, 30 * 3_600_000);
  });

  it('refuses an unknown airport under the default policy', async () => {
    const { uc, written } = serving({});
    await assert.rejects(uc.processBatch([qqq], ctx), (err: Error) => {
      assert.ok(err instanceof RecordRejectedError);
      assert.match(err.message, /QQQ is not a known IATA airport/);
      return true;
    });
    assert.deepEqual(written, []);
  });

  it("writes it under validation.unknownAirports 'flag', as ingest kept it", async () => {
    const { uc, written } = serving({ unknownAirports: 'flag' });
    await uc.processBatch([qqq], ctx);
    assert.deepEqual(written, ['q']);
  });
});
