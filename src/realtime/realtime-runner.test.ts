import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { decodeRecord, encodeRecord } from '../model/codec.js';
import { DEAD_LETTER_STREAM, decodeDeadLetter } from '../model/dead-letter.js';
import { marketKey, type ShoppingRecord } from '../model/shopping-record.js';
import { searchRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { recordingLogger } from '../ops/testing/recording-logger.js';
import { RowStore } from '../serving/row-store.js';
import { NETWORK } from '../serving/testing/graph-suite.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { openTestStream } from '../stream/embedded/testing/test-streams.js';
import type { Stream } from '../stream/stream.js';
import { RecordRejectedError } from './errors.js';
import { type RealtimeService, startRealtime } from './realtime-runner.js';
import { createServingUseCase } from './serving-use-case.js';
import { pending, until } from './testing/runner-fixtures.js';
import type { UseCase } from './use-case.js';

const policy = { count: 50, bytes: 1 << 20, periodMs: 20 };
const retry = { initialDelayMs: 2, maxDelayMs: 20 };

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'faresight-rt-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh embedded stream in its own directory; reopenable with the same dir. */
const openStream = (dir = join(root, `s${n++}`), name = 'shopping') => openTestStream(dir, name);

function records(count: number, prefix = 'r'): ShoppingRecord[] {
  return Array.from({ length: count }, (_, i) =>
    searchRecord({
      id: `${prefix}${i}`,
      destination: ['LHR', 'CDG', 'AMS'][i % 3],
      offers: [{ carrier: 'BA', amount: 100 + i }],
    }),
  );
}

async function append(stream: Stream, recs: ShoppingRecord[]): Promise<void> {
  await stream.append(recs.map((r) => ({ key: marketKey(r), id: r.id, data: encodeRecord(r) })));
}

/** A use case recording every record id it was given, failing while `fail()` says so. */
function recorder(name: string, fail: () => boolean = () => false) {
  const seen: string[] = [];
  let attempts = 0;
  const uc: UseCase = {
    name,
    async processBatch(recs) {
      attempts++;
      if (fail()) throw new Error(`${name} is down`);
      seen.push(...recs.map((r) => r.id));
    },
  };
  return { uc, seen, attempts: () => attempts };
}

describe('realtime runner', () => {
  it('feeds the serving use case into the row store and commits', async () => {
    const stream = await openStream();
    const client = await PGliteClient.open();
    const store = new RowStore(client);
    await store.migrate();
    let rt: RealtimeService | undefined;
    try {
      await append(stream, records(120));
      rt = await startRealtime({
        stream,
        useCases: [createServingUseCase({ rowStore: store, logger: silentLogger })],
        policy,
        logger: silentLogger,
        retry,
      });
      await until('all records committed', async () => (await pending(stream, 'rt-serving')) === 0);
      const markets = await store.markets();
      assert.deepEqual(
        markets.map((m) => [m.destination, m.searches]),
        // Equally busy: ordered by origin, then destination.
        [
          ['AMS', 40],
          ['CDG', 40],
          ['LHR', 40],
        ],
      );
      const [cheapest] = await store.cheapest({
        origin: 'JFK',
        destination: 'AMS',
        departureDate: '2030-03-01',
      });
      assert.equal(cheapest?.amount, 102);
      assert.equal(rt.stats()[0]?.records, 120);
    } finally {
      await rt?.stop();
      await client.close();
      await stream.close();
    }
  });

  it('retries a failing batch and commits it once it succeeds', async () => {
    const dir = join(root, 'flaky');
    let stream = await openStream(dir);
    await append(stream, records(10));
    let failures = 2;
    const flaky = recorder('flaky', () => failures-- > 0);
    const rt = await startRealtime({
      stream,
      useCases: [flaky.uc],
      policy,
      logger: silentLogger,
      retry,
    });
    await until('committed', async () => (await pending(stream, 'rt-flaky')) === 0);
    await rt.stop();
    assert.equal(rt.stats()[0]?.failures, 2);
    assert.ok(flaky.attempts() >= 3);
    assert.deepEqual(
      [...flaky.seen].sort(),
      records(10)
        .map((r) => r.id)
        .sort(),
    );
    await stream.close();

    // After a restart nothing is delivered again: the batch was committed.
    stream = await openStream(dir);
    const again = recorder('flaky');
    const rt2 = await startRealtime({
      stream,
      useCases: [again.uc],
      policy,
      logger: silentLogger,
      retry,
    });
    await append(stream, records(1, 'late'));
    await until('the new record', () => again.seen.length > 0);
    await rt2.stop();
    await stream.close();
    assert.deepEqual(again.seen, ['late0']);
  });

  it('never commits a batch that keeps failing; it is delivered again after a restart', async () => {
    const dir = join(root, 'down');
    let stream = await openStream(dir);
    await append(stream, records(30));
    const down = recorder('down', () => true);
    const healthy = recorder('healthy');
    const rt = await startRealtime({
      stream,
      useCases: [down.uc, healthy.uc],
      policy,
      logger: silentLogger,
      retry,
    });
    await until('several retries', () => down.attempts() >= 4);
    await until('the healthy use case caught up', () => healthy.seen.length === 30);
    await rt.stop();
    assert.equal(await pending(stream, 'rt-down'), 30);
    assert.equal(await pending(stream, 'rt-healthy'), 0);
    assert.equal(rt.stats()[0]?.batches, 0);
    assert.match(rt.stats()[0]?.lastError ?? '', /down is down/);
    await stream.close();

    stream = await openStream(dir);
    const back = recorder('down');
    const rt2 = await startRealtime({
      stream,
      useCases: [back.uc],
      policy,
      logger: silentLogger,
      retry,
    });
    await until('redelivery', async () => (await pending(stream, 'rt-down')) === 0);
    await rt2.stop();
    await stream.close();
    assert.deepEqual(
      [...back.seen].sort(),
      records(30)
        .map((r) => r.id)
        .sort(),
    );
  });

  it('closes every use case after its last batch, even when another fails to close', async () => {
    const stream = await openStream();
    await append(stream, records(3));
    const events: string[] = [];
    const closing = (name: string, fail: boolean): UseCase => ({
      name,
      async processBatch(recs) {
        events.push(`${name}:${recs.length}`);
      },
      async close() {
        events.push(`${name}:closed`);
        if (fail) throw new Error(`${name} will not close`);
      },
    });
    const lines: string[] = [];
    const rt = await startRealtime({
      stream,
      useCases: [closing('a', true), closing('b', false)],
      policy,
      logger: recordingLogger(lines),
      retry,
    });
    await until('both committed', async () => (await pending(stream, 'rt-b')) === 0);
    await until('a committed', async () => (await pending(stream, 'rt-a')) === 0);
    assert.equal(events.filter((e) => e.endsWith(':closed')).length, 0);
    await rt.stop();
    await stream.close();
    assert.deepEqual(events.filter((e) => e.endsWith(':closed')).sort(), ['a:closed', 'b:closed']);
    // closed after their last batch
    for (const name of ['a', 'b'])
      assert.equal(events.filter((e) => e.startsWith(`${name}:`)).at(-1), `${name}:closed`);
    assert.ok(
      lines.some((l) => l.includes('use case did not close') && l.includes('a will not close')),
    );
  });

  it('skips and counts records that cannot be decoded', async () => {
    const stream = await openStream();
    const good = records(3);
    await append(stream, good.slice(0, 2));
    await stream.append([{ key: 'JFK-LHR', id: 'garbage', data: new Uint8Array([1, 2, 3, 4]) }]);
    await append(stream, good.slice(2));
    const rec = recorder('decode');
    const rt = await startRealtime({
      stream,
      useCases: [rec.uc],
      policy,
      logger: silentLogger,
      retry,
    });
    await until('committed', async () => (await pending(stream, 'rt-decode')) === 0);
    await rt.stop();
    await stream.close();
    assert.equal(rt.stats()[0]?.decodeErrors, 1);
    assert.deepEqual([...rec.seen].sort(), good.map((r) => r.id).sort());
  });

  it('decodes each record once for the use cases that read it, handing each the same record', async () => {
    const stream = await openStream();
    const recs = records(120);
    await append(stream, recs);
    const got = new Map<string, Map<string, ShoppingRecord>>();
    const keeping = (name: string): UseCase => {
      const mine = new Map<string, ShoppingRecord>();
      got.set(name, mine);
      return {
        name,
        async processBatch(batch) {
          for (const r of batch) mine.set(r.id, r);
        },
      };
    };
    const registry = new Registry();
    const rt = await startRealtime({
      stream,
      useCases: [keeping('one'), keeping('two')],
      policy,
      logger: silentLogger,
      retry,
      registry,
    });
    await until(
      'both committed',
      async () => (await pending(stream, 'rt-one')) + (await pending(stream, 'rt-two')) === 0,
    );
    await rt.stop();
    await stream.close();
    const [one, two] = [got.get('one')!, got.get('two')!];
    assert.equal(one.size, recs.length);
    assert.equal(two.size, recs.length);
    for (const r of recs) {
      assert.deepEqual(one.get(r.id), decodeRecord(encodeRecord(r)));
      assert.ok(one.get(r.id) === two.get(r.id), `${r.id} was decoded twice`);
    }
    // the metric says so: each record decoded by one group and taken by the other
    const byResult = { shared: 0, decoded: 0 };
    for (const v of (await registry.getSingleMetric('faresight_realtime_decodes_total')!.get())
      .values)
      byResult[v.labels.result as 'shared' | 'decoded'] += v.value;
    assert.deepEqual(byResult, { shared: recs.length, decoded: recs.length });
  });

  it('rejects duplicate or malformed use case names', async () => {
    const stream = await openStream();
    try {
      await assert.rejects(
        startRealtime({
          stream,
          useCases: [recorder('x').uc, recorder('x').uc],
          policy,
          logger: silentLogger,
        }),
        /listed twice/,
      );
      await assert.rejects(
        startRealtime({
          stream,
          useCases: [recorder('Bad Name').uc],
          policy,
          logger: silentLogger,
        }),
        /kebab/,
      );
    } finally {
      await stream.close();
    }
  });

  it('bisects a batch to dead-letter the record that keeps failing; the rest moves on', async () => {
    const dir = join(root, 'poison');
    const stream = await openStream(dir);
    const dl = await openStream(dir, DEAD_LETTER_STREAM);
    await append(stream, records(20));
    const seen = new Set<string>();
    const poison: UseCase = {
      name: 'poison',
      async processBatch(recs) {
        if (recs.some((r) => r.id === 'r7')) throw new Error('r7 breaks the use case');
        for (const r of recs) seen.add(r.id);
      },
    };
    const registry = new Registry();
    const rt = await startRealtime({
      stream,
      useCases: [poison],
      policy,
      logger: silentLogger,
      retry,
      attemptsBeforeBisect: 2,
      deadLetters: dl,
      registry,
    });
    try {
      await until('committed', async () => (await pending(stream, 'rt-poison')) === 0);
      const s = rt.stats()[0]!;
      assert.equal(s.deadLetters, 1);
      assert.equal(s.records, 19);
      assert.deepEqual(
        [...seen].sort(),
        records(20)
          .map((r) => r.id)
          .filter((id) => id !== 'r7')
          .sort(),
      );
      const c = await dl.consumer('check', { count: 100, bytes: 1 << 20, periodMs: 20 });
      const letters = (await c.read()).records.map((r) => decodeDeadLetter(r.data));
      await c.close();
      assert.equal(letters.length, 1);
      assert.equal(letters[0]!.stage, 'realtime:poison');
      assert.match(letters[0]!.rejected[0]!.reason, /^r7: r7 breaks the use case/);
      assert.equal(JSON.parse(letters[0]!.payload).id, 'r7');
      const text = await registry.metrics();
      assert.match(text, /faresight_realtime_dead_letters_total\{use_case="poison"\} 1/);
      assert.match(text, /faresight_realtime_records_total\{use_case="poison"\} 19/);
      assert.match(text, /faresight_realtime_lag_records\{use_case="poison"\} 0/);
      assert.match(text, /faresight_realtime_lag_seconds\{use_case="poison"\} 0/);
    } finally {
      await rt.stop();
      await dl.close();
      await stream.close();
    }
  });

  it('dead-letters a record a use case took as its bytes: decoded when it decodes, else as it is', async () => {
    const dir = join(root, 'bytes');
    const stream = await openStream(dir);
    const dl = await openStream(dir, DEAD_LETTER_STREAM);
    await append(stream, records(6));
    await stream.append([{ key: 'x', id: 'junk', data: Buffer.from('not a record') }]);
    const bytes: UseCase<Uint8Array> = {
      name: 'bytes',
      decode: (data) => data,
      async processBatch(recs) {
        for (const r of recs) {
          let id = 'junk';
          try {
            id = decodeRecord(r).id;
          } catch {}
          if (id === 'r4' || id === 'junk') throw new RecordRejectedError(`${id} is refused`);
        }
      },
    };
    const rt = await startRealtime({
      stream,
      useCases: [bytes],
      policy,
      logger: silentLogger,
      retry,
      deadLetters: dl,
    });
    try {
      await until('committed', async () => (await pending(stream, 'rt-bytes')) === 0);
      const c = await dl.consumer('check', { count: 100, bytes: 1 << 20, periodMs: 20 });
      const letters = (await c.read()).records.map((r) => decodeDeadLetter(r.data));
      await c.close();
      assert.equal(letters.length, 2);
      const [r4, junk] = letters.sort((a, b) => a.payload.length - b.payload.length).reverse();
      assert.equal(JSON.parse(r4!.payload).id, 'r4');
      assert.equal(r4!.vendor, 'generic');
      assert.equal(junk!.vendor, 'unknown');
      assert.match(junk!.rejected[0]!.reason, /junk is refused/);
    } finally {
      await rt.stop();
      await dl.close();
      await stream.close();
    }
  });

  it('fans out: a use case publishes derived records that another consumes', async () => {
    const dir = join(root, 'fanout');
    const stream = await openStream(dir);
    await append(stream, records(12));
    const upstream: UseCase = {
      name: 'upstream',
      async processBatch(recs, ctx) {
        await ctx.publish(
          'cheap-offers',
          recs
            .filter((r) => (r.offers[0]?.totalAmount ?? 0) < 105)
            .map((r) => ({ key: r.id, id: `cheap-${r.id}`, data: Buffer.from(r.id) })),
        );
      },
    };
    const got: string[] = [];
    const downstream: UseCase<string> = {
      name: 'downstream',
      source: 'cheap-offers',
      decode: (d) => Buffer.from(d).toString('utf8'),
      async processBatch(ids) {
        got.push(...ids);
      },
    };
    const rt = await startRealtime({
      stream,
      useCases: [upstream, downstream],
      policy,
      logger: silentLogger,
      retry,
      openStream: (name) => openStream(dir, name),
    });
    try {
      await until('derived records consumed', () => got.length === 5);
      assert.deepEqual(got.sort(), ['r0', 'r1', 'r2', 'r3', 'r4']);
      assert.deepEqual(
        rt.stats().map((s) => [s.name, s.source]),
        [
          ['upstream', 'shopping'],
          ['downstream', 'cheap-offers'],
        ],
      );
    } finally {
      await rt.stop();
      await stream.close();
    }
  });

  it('a replay of a time range leaves the row store and the route graph unchanged', async () => {
    const stream = await openStream();
    const client = await PGliteClient.open();
    const store = new RowStore(client);
    await store.migrate();
    const snapshot = async () => ({
      fares: await client.query(
        `SELECT origin, destination, departure_date::text, return_date::text, pos, cabin, carrier,
           stops, currency, amount::text, seen_at, vendor, search_id, depart_at::text, arrive_at::text
         FROM cheapest_fares ORDER BY 1,2,3,4,5,6,7,8,9`,
      ),
      markets: await client.query('SELECT * FROM markets ORDER BY 1, 2'),
      summary: await client.query('SELECT * FROM daily_price_summary ORDER BY 1,2,3,4,5,6'),
      graph: await store.exportGraph(),
      routes: await store.itineraries({
        origin: 'JFK',
        destination: 'LHR',
        date: '2030-05-01',
        maxStops: 2,
        today: '2030-04-01',
      }),
    });
    let rt: RealtimeService | undefined;
    try {
      const t0 = Date.now();
      await append(stream, [...NETWORK, ...records(40)]);
      const serving = createServingUseCase({ rowStore: store, logger: silentLogger });
      rt = await startRealtime({
        stream,
        useCases: [serving],
        policy,
        logger: silentLogger,
        retry,
      });
      await until('first pass', async () => (await pending(stream, 'rt-serving')) === 0);
      const first = JSON.stringify(await snapshot());
      assert.equal(
        (
          await store.itineraries({
            origin: 'JFK',
            destination: 'LHR',
            date: '2030-05-01',
            maxStops: 2,
            today: '2030-04-01',
          })
        )[0]?.totalAmount,
        155,
      );
      const before = rt.stats()[0]!.records;
      await stream.rewind('rt-serving', { time: t0 - 1000 });
      await until('replayed', () => rt!.stats()[0]!.records >= before + NETWORK.length + 40);
      await until('caught up', async () => (await pending(stream, 'rt-serving')) === 0);
      assert.equal(JSON.stringify(await snapshot()), first);
    } finally {
      await rt?.stop();
      await client.close();
      await stream.close();
    }
  });
});
