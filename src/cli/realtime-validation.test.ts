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
import type { RowStore } from '../serving/row-store.js';
import { USE_CASES } from './realtime.js';

describe('serving use case built from configuration', () => {
  const ctx = { group: 'rt-serving', lastSeq: new Map<number, number>(), publish: async () => {} };
  const qqq = searchRecord({ id: 'q', origin: 'QQQ', offers: [{ carrier: 'BA', amount: 100 }] });

  function serving(validation: Record<string, unknown>) {
    const written: string[] = [];
    const rowStore = {
      applyRecords: async (rs: { id: string }[]) => {
        for (const r of rs) written.push(r.id);
        return { newSearches: rs.length, faresChanged: 0, changedMarkets: [] };
      },
      prune: async () => ({ searchIds: 0, departedFares: 0 }),
    } as unknown as RowStore;
    const config = configSchema.parse({ validation });
    return { uc: USE_CASES.serving({ rowStore, logger: silentLogger, config }), written };
  }

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
