/**
 * The deals use case as `faresight realtime` and `up` build it (USE_CASES): with a data
 * directory in the configuration its warm start reads the local lake there, through the
 * engine the composition root opens; without one it starts empty.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DealsStore } from '../analytics/deals/deals-store.js';
import { configSchema } from '../config/config.js';
import { writeLakeRecords } from '../etl/testing/lake-fixture.js';
import { createGenerator } from '../generator/generator.js';
import { silentLogger } from '../ops/logger.js';
import type { BatchContext } from '../realtime/use-case.js';
import { openRowStore } from './compose/row-store.js';
import { buildUseCases } from './realtime.js';

const dir = mkdtempSync(join(tmpdir(), 'faresight-deals-warm-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Checkpointed sketches after the use case's first (empty) batch on a fresh row store. */
async function sketchesAfterStart(name: string, withDataDir: boolean): Promise<number> {
  const config = configSchema.parse({ dataDir: join(dir, name) });
  const rowStore = await openRowStore(config, silentLogger);
  try {
    const [deals] = buildUseCases(['deals'], {
      rowStore,
      logger: silentLogger,
      ...(withDataDir ? { config } : {}),
    });
    assert.ok(deals);
    const ctx: BatchContext = { group: 'rt-deals', lastSeq: new Map(), publish: async () => {} };
    await deals.processBatch([], ctx);
    const cp = await new DealsStore(rowStore.client).loadCheckpoint('1970-01-01');
    return cp.sketches.length;
  } finally {
    await rowStore.client.close();
  }
}

describe('deals warm start from configuration', () => {
  it('reads the local lake under dataDir, and nothing without a data directory', async () => {
    const g = createGenerator({ seed: 5, start: new Date(Date.now() - 3 * 86_400_000) });
    const start = Date.now() - 2 * 86_400_000;
    const records = Array.from({ length: 300 }, (_, i) => g.next(new Date(start + i * 60_000)));
    for (const name of ['with', 'without']) await writeLakeRecords(join(dir, name), records);
    const warm = await sketchesAfterStart('with', true);
    assert.ok(warm > 0, `the warm start restored ${warm} sketches from a lake of 300 searches`);
    assert.equal(await sketchesAfterStart('without', false), 0);
  });
});
