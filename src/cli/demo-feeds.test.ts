import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { runFeed } from '../generator/run-feed.js';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { dealsConfigSchema } from '../realtime/deals-config.js';
import { servingConfigSchema } from '../realtime/serving-use-case.js';
import { useCaseConfig } from '../realtime/use-case-config.js';
import {
  DEMO_ROTATE_SECONDS,
  demoConfig,
  historyFeedOptions,
  historyMarkerPath,
  readHistoryMarker,
  writeHistoryMarker,
} from './demo-feeds.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-demo-feeds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the demo feeds of up --demo', () => {
  it('post a history received when it was shopped, over the past four weeks', async () => {
    const out = join(dir, 'history.ndjson');
    const { target: _, ...opts } = historyFeedOptions(500, {
      target: 'http://127.0.0.1:1',
      seed: 1,
    });
    await runFeed({ ...opts, out });
    const recs = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ShoppingRecord);
    assert.ok(recs.length > 400, `only ${recs.length} of 500 records`);
    for (const r of recs) {
      assert.ok(r.receivedAt, `record ${r.id} has no receivedAt: ingest would stamp it now`);
      const lag = Date.parse(r.receivedAt) - Date.parse(r.shoppedAt);
      assert.ok(lag >= 0 && lag < 60_000, `record ${r.id} received ${lag} ms after shopping`);
    }
    const days = new Set(recs.map((r) => r.receivedAt.slice(0, 10)));
    assert.ok(days.size >= 20, `history spans ${days.size} days, not four weeks`);
    assert.ok(recs.every((r) => Date.parse(r.receivedAt) <= Date.now()));
    // one batch in flight: ingest takes at most one of the history's batches per turn of
    // up's event loop, beside the API's requests
    assert.equal(opts.maxInFlight, 1);
  });

  it('rotate lake files sooner by default, and keep a rotation the user set', () => {
    const byDefault = configSchema.parse({});
    assert.equal(demoConfig(byDefault).lake.rotateSeconds, DEMO_ROTATE_SECONDS);
    assert.ok(DEMO_ROTATE_SECONDS <= 30);
    const set = configSchema.parse({ lake: { rotateSeconds: 300 } });
    assert.equal(demoConfig(set).lake.rotateSeconds, 300);
  });

  it('bound the row store: short retention of fares, search ids and deals, under what the user set', () => {
    const built = (useCases: Record<string, unknown>) =>
      demoConfig(configSchema.parse({ realtime: { useCases } }));
    const serving = (c: ReturnType<typeof built>) =>
      useCaseConfig('serving', servingConfigSchema, c.realtime.useCases);
    const deals = (c: ReturnType<typeof built>) =>
      useCaseConfig('deals', dealsConfigSchema, c.realtime.useCases);
    const d = built({});
    assert.equal(serving(d).fareRetentionHours, 0.5);
    assert.equal(serving(d).searchRetentionHours, 0.5);
    assert.equal(deals(d).dealRetentionHours, 0.5);
    assert.equal(deals(d).maxSegments, 50_000);
    assert.ok(deals(d).maxSegments < dealsConfigSchema.parse({}).maxSegments);
    const set = built({ serving: { fareRetentionHours: 12 }, deals: { windowDays: 3 } });
    assert.equal(serving(set).fareRetentionHours, 12);
    assert.equal(serving(set).searchRetentionHours, 0.5);
    assert.equal(deals(set).windowDays, 3);
    assert.equal(deals(set).dealRetentionHours, 0.5);
    assert.equal(deals(set).maxSegments, 50_000);
  });

  it('keep a history marker whole, and refuse one that is not theirs by its path', () => {
    const d = join(dir, 'marker');
    mkdirSync(d);
    assert.equal(readHistoryMarker(d), undefined, 'none yet');
    const m = { count: 5, from: 'a', to: 'b', startedAt: 'c' };
    writeHistoryMarker(d, m);
    writeHistoryMarker(d, { ...m, finishedAt: 'd', sent: 5 });
    assert.deepEqual(readHistoryMarker(d), { ...m, finishedAt: 'd', sent: 5 });
    assert.deepEqual(readdirSync(d), ['demo-history.json'], 'no temporary file left');
    writeFileSync(historyMarkerPath(d), '{"count": 5, "fr');
    assert.throws(
      () => readHistoryMarker(d),
      /demo-history\.json is not the demo's history marker .*; remove it to post the demo's history again/,
    );
  });
});
