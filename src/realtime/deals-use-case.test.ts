import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DDSketch } from '@datadog/sketches-js';
import Fastify from 'fastify';
import { DealsStore, type StoredSketch } from '../analytics/deals/deals-store.js';
import { segmentKey } from '../analytics/deals/fare-segment.js';
import { DEFAULT_RELATIVE_ACCURACY } from '../analytics/deals/segment-sketches.js';
import { errorResponse } from '../api/error-response.js';
import { RouteTable } from '../api/route-spec.js';
import { dealsRoutes } from '../api/routes/deals.js';
import { searchRecord } from '../model/testing/records.js';
import type { Logger } from '../ops/logger.js';
import { silentLogger } from '../ops/logger.js';
import { recordingLogger } from '../ops/testing/recording-logger.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { AppendRecord } from '../stream/stream.js';
import { createDealsUseCase } from './deals-use-case.js';
import type { BatchContext } from './use-case.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');

/** `n` searches JFK-LHR on 2030-01-01, one offer each, prices from `price(i)`. */
function batch(prefix: string, n: number, price: (i: number) => number) {
  return Array.from({ length: n }, (_, i) =>
    searchRecord({ id: `${prefix}${i}`, offers: [{ carrier: 'BA', amount: price(i) }] }),
  );
}

function ctx(lastSeq: [number, number][], published: AppendRecord[][]): BatchContext {
  return {
    group: 'rt-deals',
    lastSeq: new Map(lastSeq),
    publish: async (_stream, records) => {
      published.push([...records]);
    },
  };
}

/** 60 quiet markets, one search each (ids `prefix0`...): 4 segments each (full, lead, trip, market). */
function quietMarkets(prefix: string) {
  const letter = (i: number) => String.fromCharCode(65 + (i % 26));
  return Array.from({ length: 60 }, (_, i) =>
    searchRecord({
      id: `${prefix}${i}`,
      destination: `Z${letter(i)}${letter(Math.floor(i / 26))}`,
      offers: [{ carrier: 'BA', amount: 500 }],
    }),
  );
}

/** Sends one search to ZAA at 100 through `uc` as stream position `seq`; the label it gets, or ''. */
async function probeZaa(
  uc: ReturnType<typeof createDealsUseCase>,
  store: DealsStore,
  seq: number,
): Promise<string> {
  await uc.processBatch(
    [searchRecord({ id: 'p', destination: 'ZAA', offers: [{ carrier: 'BA', amount: 100 }] })],
    ctx([[0, seq]], []),
  );
  return (await store.deals()).find((d) => d.searchId === 'p')?.explanation ?? '';
}

describe('deals use case', () => {
  let client: SqlClient;
  before(async () => {
    client = await PGliteClient.open();
  });
  after(async () => {
    await client.close();
  });

  /** Fares in the stored finest day sketches (each is in its market's day too). */
  const fares = async () => {
    const [r] = await client.query<{ n: number | string }>(
      "SELECT coalesce(sum(fares), 0) AS n FROM deal_sketches WHERE segment LIKE 'full|%'",
    );
    return Number(r?.n);
  };

  it('labels offers, writes and publishes deals, and never counts a replayed batch twice', async () => {
    const store = new DealsStore(client);
    const published: AppendRecord[][] = [];
    const uc = createDealsUseCase({
      store,
      logger: silentLogger,
      sketches: { minFares: 20 },
      publishTo: 'deals',
      now: () => NOW,
    });
    await uc.processBatch(
      batch('h', 100, (i) => 400 + i),
      ctx([[0, 100]], published),
    );
    assert.equal(await fares(), 100);
    const probe = batch('p', 2, (i) => (i === 0 ? 300 : 460));
    await uc.processBatch(probe, ctx([[0, 102]], published));
    assert.equal(await fares(), 102);
    // Replay of the same batch (same positions): labels again, counts nothing.
    await uc.processBatch(probe, ctx([[0, 102]], published));
    assert.equal(await fares(), 102);

    const deals = await store.deals();
    assert.equal(deals.length, 1);
    const d = deals[0];
    assert.equal(d?.searchId, 'p0');
    assert.equal(d?.label, 'great');
    assert.match(
      d?.explanation ?? '',
      /^\d+% below typical for JFK\u2013LHR economy, one-way, 46\u201360 days out, based on \d+ fares$/,
    );
    assert.equal(published.length, 2);
    assert.equal(published[0]?.[0]?.id, 'deal:generic:p0:0');

    // A restart restores the sketches from the checkpoint: same segment counts.
    const uc2 = createDealsUseCase({
      store,
      logger: silentLogger,
      sketches: { minFares: 20 },
      now: () => NOW,
    });
    await uc2.processBatch(
      batch('q', 1, () => 350),
      ctx([[0, 103]], []),
    );
    const q = (await store.deals()).find((x) => x.searchId === 'q0');
    assert.match(q?.explanation ?? '', /based on 102 fares$/);
    assert.equal(await fares(), 103);
  });

  it('holds its segments to maxSegments after each batch and after a restore, and says so', async () => {
    const own = await PGliteClient.open();
    const lines: string[] = [];
    const recording = recordingLogger(lines);
    const logger: Logger = {
      ...recording,
      debug: (msg, fields) => lines.push(`debug ${msg} ${JSON.stringify(fields ?? {})}`),
      child: () => logger,
    };
    try {
      const store = new DealsStore(own);
      const quiet = quietMarkets('q');
      const make = () =>
        createDealsUseCase({
          store,
          logger,
          sketches: { minFares: 20, maxSegments: 100 },
          now: () => NOW,
        });
      const first = make();
      await first.processBatch(quiet, ctx([[0, 60]], []));
      assert.match(
        lines.join('\n'),
        /info deals segments trimmed to maxSegments \(from now on at debug.*\{"dropped":152,"segments":90\}/,
      );
      // a model at its cap trims after every batch: said once, not after each
      lines.length = 0;
      await first.processBatch(quietMarkets('r'), ctx([[0, 120]], []));
      assert.match(lines.join('\n'), /debug deals segments trimmed to maxSegments/);
      assert.doesNotMatch(lines.join('\n'), /info deals segments trimmed/);
      // a restart restores every saved finest and market day (the finest three levels
      // from the finest days, the coarser three from the market days), then trims again
      // before the first batch
      lines.length = 0;
      await make().processBatch(
        batch('h', 30, (i) => 400 + i),
        ctx([[0, 90]], []),
      );
      assert.match(lines.join('\n'), /deals sketches restored \{"sketches":120,"segments":242\}/);
      assert.match(
        lines.join('\n'),
        /info deals segments trimmed to maxSegments .*\{"dropped":\d+,"segments":90\}/,
      );
    } finally {
      await own.close();
    }
  });

  it('keeps the stored fares of a segment that trim dropped when its fares come back', async () => {
    const own = await PGliteClient.open();
    try {
      const store = new DealsStore(own);
      // the 60 quiet markets twice: the first 60 are trimmed from memory (maxSegments 100)
      // before the second 60 come
      const uc = createDealsUseCase({
        store,
        logger: silentLogger,
        sketches: { minFares: 20, maxSegments: 100 },
        now: () => NOW,
      });
      await uc.processBatch(quietMarkets('a'), ctx([[0, 60]], []));
      await uc.processBatch(quietMarkets('b'), ctx([[0, 120]], []));
      const rows = await own.query<{ fares: number | string }>(
        "SELECT fares FROM deal_sketches WHERE segment LIKE 'full|%'",
      );
      // every search counted once in the store: 60 segments of 2 fares (was 9 of 2 and
      // 51 of 1: the revived segments' rows replaced by their second fare alone)
      assert.deepEqual(
        rows.map((r) => Number(r.fares)),
        Array(60).fill(2),
      );
      // and a restart counts all 120 in the coarser levels, as memory did before it
      const lines: string[] = [];
      const logger = recordingLogger(lines);
      const probe = searchRecord({
        id: 'p',
        destination: 'ZAA',
        offers: [{ carrier: 'BA', amount: 100 }],
      });
      const restarted = createDealsUseCase({
        store,
        logger,
        sketches: { minFares: 100, maxSegments: 100 },
        now: () => NOW,
      });
      await restarted.processBatch([probe], ctx([[0, 121]], []));
      assert.match(lines.join('\n'), /deals sketches restored \{"sketches":120,/);
      const [deal] = await store.deals();
      assert.match(deal?.explanation ?? '', /based on 120 fares$/);
    } finally {
      await own.close();
    }
  });

  it('deletes the stored days of the finest segments trim dropped; a restart still counts their fares', async () => {
    const own = await PGliteClient.open();
    try {
      const store = new DealsStore(own);
      const uc = createDealsUseCase({
        store,
        logger: silentLogger,
        sketches: { minFares: 20, maxSegments: 100 },
        now: () => NOW,
      });
      await uc.processBatch(quietMarkets('a'), ctx([[0, 60]], []));
      // the next batch's save deletes the days of the finest segments trimmed after the first
      await uc.processBatch(
        batch('h', 30, (i) => 400 + i),
        ctx([[0, 90]], []),
      );
      const stored = async (level: string) =>
        Number(
          (
            await own.query<{ n: number | string }>(
              'SELECT count(*) AS n FROM deal_sketches WHERE segment LIKE $1',
              [`${level}|%`],
            )
          )[0]?.n,
        );
      // 61 finest segments saved; memory holds 90 segments, at most 24 of them finest
      // (6 coarser: 61 markets, a cabin, a currency). Was 61: every one of them stayed.
      const finest = await stored('full');
      assert.ok(finest <= 24, `${finest} finest days stored`);
      assert.equal(await stored('market'), 61);
      // a restart counts all 90 fares in the coarser levels, as memory did before it
      const restarted = createDealsUseCase({
        store,
        logger: silentLogger,
        sketches: { minFares: 80 },
        now: () => NOW,
      });
      assert.match(
        await probeZaa(restarted, store, 91),
        /economy fares on all routes, based on 90 fares$/,
      );
    } finally {
      await own.close();
    }
  });

  it('stores the market days of a checkpoint of finest days before it deletes any', async () => {
    const own = await PGliteClient.open();
    const lines: string[] = [];
    try {
      const store = new DealsStore(own);
      const make = (maxSegments?: number) =>
        createDealsUseCase({
          store,
          logger: recordingLogger(lines),
          sketches: { minFares: 60, ...(maxSegments ? { maxSegments } : {}) },
          now: () => NOW,
        });
      await make().processBatch(quietMarkets('a'), ctx([[0, 60]], []));
      // as a version before market days were stored, or a warm start, left it
      await own.exec("DELETE FROM deal_sketches WHERE segment NOT LIKE 'full|%'");
      await make(100).processBatch(
        batch('h', 1, () => 400),
        ctx([[0, 61]], []),
      );
      assert.match(lines.join('\n'), /"marketDaysStored":60/);
      const [r] = await own.query<{ n: number | string }>(
        "SELECT count(*) AS n FROM deal_sketches WHERE segment LIKE 'full|%'",
      );
      assert.ok(Number(r?.n) < 30, `${r?.n} finest days stored`);
      assert.match(
        await probeZaa(make(), store, 62),
        /economy fares on all routes, based on 61 fares$/,
      );
    } finally {
      await own.close();
    }
  });

  it('skips, with a warning, a stored sketch of another accuracy when its segment comes back', async () => {
    const own = await PGliteClient.open();
    try {
      const store = new DealsStore(own);
      const warnings: string[] = [];
      const logger: Logger = {
        ...silentLogger,
        warn: (msg) => warnings.push(msg),
        child: () => logger,
      };
      const make = (relativeAccuracy: number) =>
        createDealsUseCase({
          store,
          logger,
          sketches: { minFares: 20, relativeAccuracy },
          now: () => NOW,
        });
      await make(DEFAULT_RELATIVE_ACCURACY).processBatch(
        batch('h', 30, (i) => 400 + i),
        ctx([[0, 30]], []),
      );
      // restarted with another accuracy: the restore skips the stored sketch, so the
      // segment is not held when its fares come; the batch still saves
      await make(0.01).processBatch(
        batch('n', 5, (i) => 400 + i),
        ctx([[0, 35]], []),
      );
      assert.ok(warnings.includes('deal sketch with another accuracy skipped'), warnings.join());
      const rows = await own.query<{ fares: number | string }>(
        'SELECT fares FROM deal_sketches ORDER BY segment',
      );
      // the finest day and its market's, both of the new fares only
      assert.deepEqual(
        rows.map((r) => Number(r.fares)),
        [5, 5],
      );
    } finally {
      await own.close();
    }
  });

  it('keeps deals for dealRetentionMs, then prunes them', async () => {
    const own = await PGliteClient.open();
    try {
      const store = new DealsStore(own);
      let clock = NOW; // the searches were shopped 2 h before NOW
      const uc = createDealsUseCase({
        store,
        logger: silentLogger,
        sketches: { minFares: 20 },
        dealRetentionMs: 3 * 3_600_000,
        pruneEveryMs: 0,
        now: () => clock,
      });
      await uc.processBatch(
        batch('h', 100, (i) => 400 + i),
        ctx([[0, 100]], []),
      );
      await uc.processBatch(
        batch('p', 1, () => 300),
        ctx([[0, 101]], []),
      );
      assert.equal((await store.deals()).length, 1, 'a deal within the retention stays');
      clock = NOW + 2 * 3_600_000;
      await uc.processBatch(
        batch('x', 1, () => 450),
        ctx([[0, 102]], []),
      );
      assert.deepEqual(await store.deals(), [], 'a deal older than the retention is pruned');
    } finally {
      await own.close();
    }
  });

  it('restores a month of sketches in slices, answering the event loop meanwhile', async () => {
    // A fresh schema's worth of checkpoint: 150 segments x 28 days of day sketches.
    const db = await PGliteClient.open();
    try {
      const store = new DealsStore(db);
      await store.migrate();
      const rows: StoredSketch[] = [];
      for (let s = 0; s < 150; s++)
        for (let d = 1; d <= 28; d++) {
          const sk = new DDSketch({ relativeAccuracy: DEFAULT_RELATIVE_ACCURACY });
          for (let i = 0; i < 40; i++) sk.accept(100 + ((i * 37 + s) % 400));
          rows.push({
            segment: segmentKey(
              {
                market: `A${s}-B${s}`,
                cabin: 'economy',
                tripType: 'oneway',
                currency: 'USD',
                leadDays: 30,
                stayDays: undefined,
              },
              0,
            ),
            day: new Date(NOW - d * 86_400_000).toISOString().slice(0, 10),
            sketch: Buffer.from(sk.toProto()).toString('base64'),
            fares: 40,
          });
        }
      await store.saveBatch([], rows, new Map([[0, 10]]));
      // Event-loop turns counted from the moment the checkpoint is loaded until the
      // use case says it is restored: the restore itself, nothing else.
      let phase: 'before' | 'restoring' | 'after' = 'before';
      let turns = 0;
      let restored: Record<string, unknown> | undefined;
      const timed = new (class extends DealsStore {
        override async loadCheckpoint(fromDay: string) {
          const cp = await super.loadCheckpoint(fromDay);
          phase = 'restoring';
          return cp;
        }
      })(db);
      const logger: Logger = {
        ...silentLogger,
        info(msg: string, fields?: Record<string, unknown>) {
          if (msg === 'deals sketches restored') {
            phase = 'after';
            restored = fields;
          }
        },
      };
      const heartbeat = setInterval(() => {
        if (phase === 'restoring') turns++;
      }, 1);
      try {
        // a month of day sketches, as a deployment with windowDays 28 keeps
        const uc = createDealsUseCase({
          store: timed,
          logger,
          now: () => NOW,
          sketches: { windowDays: 28 },
        });
        await uc.processBatch(
          batch('r', 1, () => 300),
          ctx([[0, 11]], []),
        );
      } finally {
        clearInterval(heartbeat);
      }
      assert.equal(restored?.sketches, rows.length);
      // finest days only, as a checkpoint before market days were stored: their market
      // days are stored once restored
      assert.equal(restored?.marketDaysStored, rows.length);
      assert.ok(turns > 0, 'the event loop did not turn while the sketches were restored');
    } finally {
      await db.close();
    }
  });

  it('serves deals over GET /v1/deals with filters', async () => {
    const app = Fastify();
    app.setErrorHandler((err, _req, reply) => {
      const r = errorResponse(err);
      reply.status(r.status).send(r.body);
    });
    dealsRoutes(new RouteTable(app), new DealsStore(client));
    const ok = await app.inject({ url: '/v1/deals?origin=jfk&label=great&minSavingsPct=5' });
    assert.equal(ok.statusCode, 200);
    const body = ok.json() as { deals: { searchId: string }[] };
    assert.deepEqual(body.deals.map((d) => d.searchId).sort(), ['p0', 'q0']);
    const none = await app.inject({ url: '/v1/deals?destination=CDG' });
    assert.deepEqual(none.json(), { deals: [] });
    const bad = await app.inject({ url: '/v1/deals?label=cheap' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /label/);
    await app.close();
  });
});
