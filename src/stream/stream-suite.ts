/**
 * The conformance suite of the stream contract (stream.ts), run by every implementation's
 * test file so that the embedded log, JetStream and Kinesis are held to the same tests:
 *
 * ```ts
 * runStreamSuite({
 *   name: 'jetstream',
 *   create: async (o) => new JetStreamStream({ servers, ...o }),
 *   destroy: (name) => JetStreamStream.destroy(servers, name),
 *   skip: [{ reason: 'why', tests: [STREAM_SUITE_TESTS.partialDedupe] }],
 * });
 * ```
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { BackpressureError } from './errors.js';
import {
  type AppendRecord,
  type BatchPolicy,
  type Stream,
  type StreamOptions,
  shardFor,
} from './stream.js';
import {
  expectNoMore,
  makeRecords,
  perShard,
  readRecords,
  sleep,
  sortedIds,
} from './testing/stream-fixtures.js';

/** What the suite asks `create` for. A second call with the same name reopens the stream. */
export type StreamSuiteParams = StreamOptions;

export interface StreamSuiteOptions {
  /** Shown in the suite's title. */
  name: string;
  /**
   * Returns a NEW, not yet connected stream object (the suite calls `connect`). Called
   * again with the same name after `close`, it must see the same data (a restart).
   */
  create(params: StreamSuiteParams): Promise<Stream>;
  /** Removes a stream the suite created, after all tests. */
  destroy?(name: string): Promise<void>;
  /** Tests to skip, each group with the reason printed next to the test. */
  skip?: { reason: string; tests: string[] }[];
  /** The clock the suite uses for record timestamps and `trim` [Date.now]. */
  now?: () => number;
}

/** Titles of the suite's tests, for `skip` lists. */
export const STREAM_SUITE_TESTS = {
  perKeyOrder: 'routes records to shardFor(key) and keeps per-key order',
  readableOnResolve: 'an append is readable once it resolves, also by a read already waiting',
  atLeastOnce: 'delivers an uncommitted batch again after a restart and after reset()',
  commitSurvives: 'a commit survives a restart; the next read starts after it',
  groupsIndependent: 'consumer groups read and commit independently',
  batchCount: 'batch policy: count caps a batch',
  batchBytes: 'batch policy: bytes close a batch',
  batchPeriod:
    'batch policy: periodMs closes a batch with what is there, even empty; an aborted read loses nothing',
  replayByTime: 'replay by time returns the same records in the same per-shard order',
  rewindWins: 'a commit of a batch read before a rewind does not undo the rewind',
  rewindBySeq: 'rewind by shard and sequence restarts that shard at the first record >= seq',
  browse: 'browse reads a shard from a sequence or a time, in order, without touching any group',
  retention: 'trim removes records older than the retention without blocking appends',
  dedupe: 'dedupe: a record or a whole batch appended again within the window is stored once',
  partialDedupe: 'dedupe: an append overlapping an earlier one stores only the new records',
  dedupeExpiry: 'dedupe: after the window a record is stored again',
  aggregation: 'aggregation: a batch over 1 MB with a 900 KB record round-trips byte for byte',
  lag: 'lag counts uncommitted records and the age of the oldest',
  info: 'info reports shards, records, time range and groups',
  backpressure:
    'backpressure: more than maxPendingRecords in flight rejects with BackpressureError',
} as const;

const DEFAULTS = { shards: 4, retentionMs: 3_600_000, dedupeWindowMs: 60_000 };
const POLICY: BatchPolicy = { count: 10_000, bytes: 64 * 1024 * 1024, periodMs: 300 };

/** Registers the suite with node:test (`describe`/`it`). */
export function runStreamSuite(opts: StreamSuiteOptions): void {
  const now = opts.now ?? Date.now;
  const known = new Set<string>(Object.values(STREAM_SUITE_TESTS));
  const skips = new Map<string, string>();
  for (const s of opts.skip ?? []) {
    for (const t of s.tests) {
      if (!known.has(t)) throw new Error(`runStreamSuite(${opts.name}): no test titled "${t}"`);
      skips.set(t, s.reason);
    }
  }
  const runId = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const created = new Set<string>();
  const open = new Set<Stream>();

  async function openStream(name: string, params: Partial<StreamSuiteParams> = {}) {
    const s = await opts.create({ ...DEFAULTS, ...params, name });
    created.add(name);
    await s.connect();
    open.add(s);
    return s;
  }
  async function closeStream(s: Stream) {
    open.delete(s);
    await s.close();
  }
  /** Opens a fresh stream named after the test, runs `fn`, closes it. */
  async function withStream(
    slug: string,
    params: Partial<StreamSuiteParams>,
    fn: (s: Stream, name: string) => Promise<void>,
  ) {
    const name = `${runId}-${slug}`;
    const s = await openStream(name, params);
    try {
      await fn(s, name);
    } finally {
      if (open.has(s)) await closeStream(s);
    }
  }
  function test(title: string, fn: () => Promise<void>) {
    const reason = skips.get(title);
    if (reason !== undefined) it.skip(`${title} (skipped: ${reason})`, () => {});
    else it(title, fn);
  }

  describe(`stream suite: ${opts.name}`, () => {
    after(async () => {
      for (const s of [...open]) await s.close().catch(() => {});
      if (opts.destroy) for (const n of created) await opts.destroy(n);
    });

    test(STREAM_SUITE_TESTS.perKeyOrder, () =>
      withStream('order', {}, async (s) => {
        const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`);
        const appended: AppendRecord[] = [];
        for (let a = 0; a < 3; a++) {
          const recs = makeRecords(40, { prefix: `a${a}-`, keys });
          assert.deepEqual(await s.append(recs), { appended: 40, duplicates: 0 });
          appended.push(...recs);
        }
        const c = await s.consumer('g', POLICY);
        const { records } = await readRecords(c, 120);
        assert.deepEqual(sortedIds(records), sortedIds(appended));
        for (const r of records)
          assert.equal(r.shard, shardFor(r.key, s.shards), `shard of ${r.id}`);
        for (const [shard, list] of perShard(records)) {
          for (let i = 1; i < list.length; i++) {
            assert.ok(list[i]![1] > list[i - 1]![1], `seq grows on shard ${shard}`);
          }
        }
        for (const k of keys) {
          assert.deepEqual(
            records.filter((r) => r.key === k).map((r) => r.id),
            appended.filter((r) => r.key === k).map((r) => r.id),
            `order of key ${k}`,
          );
        }
      }),
    );

    test(STREAM_SUITE_TESTS.readableOnResolve, () =>
      withStream('visible', {}, async (s) => {
        const t = now() - 5000;
        const rec = { key: 'LHR-JFK', id: 'v1', data: new Uint8Array([1, 2, 3]), timestamp: t };
        assert.deepEqual(await s.append([rec]), { appended: 1, duplicates: 0 });
        const c = await s.consumer('g', { ...POLICY, count: 1 });
        const [r] = (await readRecords(c, 1)).records;
        assert.deepEqual(
          { key: r!.key, id: r!.id, data: [...r!.data], timestamp: r!.timestamp, shard: r!.shard },
          {
            key: rec.key,
            id: 'v1',
            data: [1, 2, 3],
            timestamp: t,
            shard: shardFor(rec.key, s.shards),
          },
        );
        const waiting = await s.consumer('w', { ...POLICY, count: 1, periodMs: 10_000 });
        await waiting.commit((await readRecords(waiting, 1)).batches.at(-1)!);
        const pending = waiting.read();
        await sleep(50);
        await s.append([{ key: 'CDG-NCE', id: 'v2', data: new Uint8Array([4]) }]);
        const more = await pending;
        assert.ok(more.records.length <= 1);
        const ids = [
          ...more.records,
          ...(more.records.length ? [] : (await readRecords(waiting, 1)).records),
        ];
        assert.deepEqual(sortedIds(ids), ['v2']);
      }),
    );

    test(STREAM_SUITE_TESTS.atLeastOnce, async () => {
      const name = `${runId}-redeliver`;
      const s1 = await openStream(name);
      await s1.append(makeRecords(10, { prefix: 'r', keys: ['a', 'b', 'c'] }));
      const c1 = await s1.consumer('g', POLICY);
      const first = await readRecords(c1, 10);
      await closeStream(s1);
      const s2 = await openStream(name);
      try {
        const c2 = await s2.consumer('g', POLICY);
        const again = await readRecords(c2, 10);
        assert.deepEqual(perShard(again.records), perShard(first.records));
        await expectNoMore(c2);
        c2.reset();
        const afterReset = await readRecords(c2, 10);
        assert.deepEqual(perShard(afterReset.records), perShard(first.records));
      } finally {
        await closeStream(s2);
      }
    });

    test(STREAM_SUITE_TESTS.commitSurvives, async () => {
      const name = `${runId}-commit`;
      const s1 = await openStream(name);
      await s1.append(makeRecords(6, { prefix: 'c', keys: ['only'] }));
      const c1 = await s1.consumer('g', { ...POLICY, count: 3 });
      const b1 = await readRecords(c1, 3, { commit: true });
      assert.deepEqual(
        b1.records.map((r) => r.id),
        ['c0', 'c1', 'c2'],
      );
      const b2 = await readRecords(c1, 3);
      assert.deepEqual(
        b2.records.map((r) => r.id),
        ['c3', 'c4', 'c5'],
      );
      await closeStream(s1);
      const s2 = await openStream(name);
      const c2 = await s2.consumer('g', { ...POLICY, count: 3 });
      const again = await readRecords(c2, 3, { commit: true });
      assert.deepEqual(
        again.records.map((r) => r.id),
        ['c3', 'c4', 'c5'],
      );
      await expectNoMore(c2);
      await closeStream(s2);
      const s3 = await openStream(name);
      try {
        const c3 = await s3.consumer('g', POLICY);
        await expectNoMore(c3);
        await s3.append(makeRecords(2, { prefix: 'n', keys: ['only'] }));
        assert.deepEqual(sortedIds((await readRecords(c3, 2)).records), ['n0', 'n1']);
      } finally {
        await closeStream(s3);
      }
    });

    test(STREAM_SUITE_TESTS.groupsIndependent, () =>
      withStream('groups', {}, async (s) => {
        const recs = makeRecords(8, { prefix: 'g', keys: ['x', 'y', 'z'] });
        await s.append(recs);
        const a = await s.consumer('alpha', POLICY);
        const b = await s.consumer('beta', POLICY);
        assert.deepEqual(
          sortedIds((await readRecords(a, 8, { commit: true })).records),
          sortedIds(recs),
        );
        await expectNoMore(a);
        const fromB = await readRecords(b, 8);
        assert.deepEqual(sortedIds(fromB.records), sortedIds(recs));
        const total = (lags: { records: number }[]) => lags.reduce((n, l) => n + l.records, 0);
        assert.equal(total(await s.lag('alpha')), 0);
        assert.equal(total(await s.lag('beta')), 8);
        const all = await s.lag();
        assert.deepEqual([...new Set(all.map((l) => l.group))].sort(), ['alpha', 'beta']);
      }),
    );

    test(STREAM_SUITE_TESTS.batchCount, () =>
      withStream('count', {}, async (s) => {
        await s.append(makeRecords(10, { prefix: 'n', keys: ['one'] }));
        const c = await s.consumer('g', { count: 4, bytes: 64 * 1024 * 1024, periodMs: 5000 });
        for (const want of [
          ['n0', 'n1', 'n2', 'n3'],
          ['n4', 'n5', 'n6', 'n7'],
        ]) {
          const b = await c.read();
          assert.deepEqual(
            b.records.map((r) => r.id),
            want,
          );
          assert.equal(b.lastSeq.get(b.records[0]!.shard), b.records.at(-1)!.seq);
        }
      }),
    );

    test(STREAM_SUITE_TESTS.batchBytes, () =>
      withStream('bytes', {}, async (s) => {
        await s.append(makeRecords(10, { prefix: 'b', keys: ['one'], size: 1000 }));
        const c = await s.consumer('g', { count: 1000, bytes: 2500, periodMs: 5000 });
        let seen = 0;
        for (let i = 0; i < 2; i++) {
          const b = await c.read();
          // closed once bytes are reached: 2 records (never over) or 3 (first to reach it)
          assert.ok(b.records.length >= 2 && b.records.length <= 3, `got ${b.records.length}`);
          const dataBytes = b.records.reduce((n, r) => n + r.data.length, 0);
          assert.ok(dataBytes - b.records.at(-1)!.data.length < 2500);
          assert.deepEqual(
            b.records.map((r) => r.id),
            Array.from({ length: b.records.length }, (_, j) => `b${seen + j}`),
          );
          seen += b.records.length;
        }
      }),
    );

    test(STREAM_SUITE_TESTS.batchPeriod, () =>
      withStream('period', {}, async (s) => {
        const c = await s.consumer('g', { count: 100, bytes: 1024 * 1024, periodMs: 200 });
        const empty = await c.read();
        assert.equal(empty.records.length, 0);
        assert.equal(empty.lastSeq.size, 0);
        await c.commit(empty);
        await s.append(makeRecords(3, { prefix: 'p', keys: ['a', 'b'] }));
        const got = await readRecords(c, 3);
        assert.deepEqual(sortedIds(got.records), ['p0', 'p1', 'p2']);
        for (const b of got.batches) assert.ok(b.records.length <= 100);
        await s.append(makeRecords(2, { prefix: 'q', keys: ['a', 'b'] }));
        const ac = new AbortController();
        ac.abort();
        const aborted = await c.read(ac.signal).catch(() => undefined);
        const early = aborted?.records ?? [];
        const rest = await readRecords(c, 2 - early.length);
        assert.deepEqual(sortedIds([...early, ...rest.records]), ['q0', 'q1']);
      }),
    );

    test(STREAM_SUITE_TESTS.replayByTime, () =>
      withStream('replay', { shards: 3 }, async (s) => {
        const keys = ['LHR-JFK', 'CDG-NCE', 'SFO-LAX', 'MAD-BCN', 'FRA-TXL', 'SYD-MEL'];
        await s.append(makeRecords(12, { prefix: 'early', keys }));
        await sleep(20);
        const t = now();
        await sleep(20);
        await s.append(makeRecords(6, { prefix: 'late-a', keys }));
        await s.append(makeRecords(6, { prefix: 'late-b', keys }));
        const c = await s.consumer('g', POLICY);
        const first = await readRecords(c, 24, { commit: true });
        await expectNoMore(c);
        const late = first.records.filter((r) => r.id.startsWith('late'));
        await s.rewind('g', { time: t });
        const replay = await readRecords(c, 12, { commit: true });
        assert.deepEqual(perShard(replay.records), perShard(late));
        await expectNoMore(c);
        await s.rewind('g', { time: 0 });
        const full = await readRecords(c, 24);
        assert.deepEqual(perShard(full.records), perShard(first.records));
        await expectNoMore(c);
      }),
    );

    test(STREAM_SUITE_TESTS.browse, () =>
      withStream('browse', { shards: 2 }, async (s) => {
        if (!s.browse)
          assert.fail('the backend implements browse (or skips this test with a reason)');
        const browse = s.browse.bind(s);
        const keys = ['LHR-JFK', 'CDG-NCE', 'SFO-LAX'];
        await s.append(makeRecords(10, { prefix: 'early', keys }));
        await sleep(20);
        const t = now();
        await sleep(20);
        await s.append(makeRecords(10, { prefix: 'late', keys }));
        const c = await s.consumer('g', POLICY);
        const all = await readRecords(c, 20);
        const groups = (await s.info()).groups;
        for (let shard = 0; shard < 2; shard++) {
          const mine = all.records.filter((r) => r.shard === shard);
          const browsed = await browse(shard, { seq: 0 }, 100);
          assert.deepEqual(perShard(browsed), perShard(mine));
          const later = await browse(shard, { time: t }, 100);
          assert.deepEqual(
            later.map((r) => r.id),
            mine.filter((r) => r.id.startsWith('late')).map((r) => r.id),
          );
          if (mine.length > 2) {
            const from = mine[1]!.seq;
            const two = await browse(shard, { seq: from }, 2);
            assert.deepEqual(
              two.map((r) => r.seq),
              mine.slice(1, 3).map((r) => r.seq),
            );
          }
        }
        await assert.rejects(browse(2, { seq: 0 }, 1), RangeError);
        assert.deepEqual((await s.info()).groups, groups, 'browsing made no group');
        const lag = await s.lag('g');
        assert.equal(
          lag.reduce((n, l) => n + l.records, 0),
          20,
          'browsing moved no checkpoint',
        );
      }),
    );

    test(STREAM_SUITE_TESTS.rewindWins, () =>
      withStream('rewind-wins', {}, async (s) => {
        await s.append(makeRecords(5, { prefix: 'w', keys: ['one'] }));
        const c = await s.consumer('g', POLICY);
        const read = await readRecords(c, 5);
        await s.rewind('g', { time: 0 });
        for (const b of read.batches) await c.commit(b);
        const again = await readRecords(c, 5);
        assert.deepEqual(perShard(again.records), perShard(read.records));
      }),
    );

    test(STREAM_SUITE_TESTS.rewindBySeq, () =>
      withStream('rewind-seq', { shards: 2 }, async (s) => {
        const recs = makeRecords(20, { prefix: 's', keys: ['a', 'b', 'c', 'd', 'e', 'f'] });
        await s.append(recs);
        const c = await s.consumer('g', POLICY);
        const first = await readRecords(c, 20, { commit: true });
        const shards = perShard(first.records);
        const [shard, list] = [...shards.entries()].find(([, l]) => l.length >= 3)!;
        const other = [...shards.keys()].filter((x) => x !== shard);
        await s.rewind('g', { shard, seq: list[0]![1] + 1 });
        const again = await readRecords(c, list.length - 1, { commit: true });
        assert.deepEqual(perShard(again.records).get(shard), list.slice(1));
        for (const o of other) assert.equal(perShard(again.records).get(o), undefined);
        await expectNoMore(c);
      }),
    );

    test(STREAM_SUITE_TESTS.retention, () =>
      withStream('retention', { retentionMs: 60_000 }, async (s) => {
        await s.append(makeRecords(5, { prefix: 'old', keys: ['a', 'b'] }));
        await sleep(20);
        const cut = now();
        await sleep(20);
        await s.append(makeRecords(3, { prefix: 'new', keys: ['a', 'b'] }));
        const [removed, appendedMeanwhile] = await Promise.all([
          s.trim(cut + 60_000),
          s.append(makeRecords(3, { prefix: 'during', keys: ['a', 'b'] })),
        ]);
        assert.equal(removed, 5);
        assert.equal(appendedMeanwhile.appended, 3);
        assert.equal(await s.trim(now()), 0);
        const c = await s.consumer('g', POLICY);
        const left = await readRecords(c, 6);
        assert.deepEqual(sortedIds(left.records), [
          'during0',
          'during1',
          'during2',
          'new0',
          'new1',
          'new2',
        ]);
        await expectNoMore(c);
        assert.equal((await s.info()).records, 6);
      }),
    );

    test(STREAM_SUITE_TESTS.dedupe, () =>
      withStream('dedupe', { dedupeWindowMs: 60_000 }, async (s) => {
        const one = { key: 'k', id: 'dup-1', data: new Uint8Array([7]) };
        assert.deepEqual(await s.append([one]), { appended: 1, duplicates: 0 });
        assert.deepEqual(await s.append([one]), { appended: 0, duplicates: 1 });
        const batch = makeRecords(50, { prefix: 'b', keys: ['x', 'y', 'z'], size: 100 });
        assert.deepEqual(await s.append(batch), { appended: 50, duplicates: 0 });
        assert.deepEqual(await s.append(batch), { appended: 0, duplicates: 50 });
        const c = await s.consumer('g', POLICY);
        const got = await readRecords(c, 51);
        assert.deepEqual(sortedIds(got.records), sortedIds([one, ...batch]));
        await expectNoMore(c);
      }),
    );

    test(STREAM_SUITE_TESTS.partialDedupe, () =>
      withStream('dedupe-partial', { dedupeWindowMs: 60_000 }, async (s) => {
        const [a, b, c, d] = makeRecords(4, { prefix: 'o', keys: ['k'] });
        assert.deepEqual(await s.append([a!, b!, c!]), { appended: 3, duplicates: 0 });
        assert.deepEqual(await s.append([b!, c!, d!]), { appended: 1, duplicates: 2 });
        const con = await s.consumer('g', POLICY);
        assert.deepEqual(
          (await readRecords(con, 4)).records.map((r) => r.id),
          ['o0', 'o1', 'o2', 'o3'],
        );
        await expectNoMore(con);
      }),
    );

    test(STREAM_SUITE_TESTS.dedupeExpiry, () =>
      withStream('dedupe-expiry', { dedupeWindowMs: 1000 }, async (s) => {
        const rec = { key: 'k', id: 'again', data: new Uint8Array([1]) };
        assert.deepEqual(await s.append([rec]), { appended: 1, duplicates: 0 });
        assert.deepEqual(await s.append([rec]), { appended: 0, duplicates: 1 });
        // the window is expired lazily by every backend: poll instead of guessing a delay
        let res = { appended: 0, duplicates: 1 };
        for (let i = 0; i < 60 && res.appended === 0; i++) {
          await sleep(250);
          res = await s.append([rec]);
        }
        assert.deepEqual(res, { appended: 1, duplicates: 0 });
        const c = await s.consumer('g', POLICY);
        assert.deepEqual(
          (await readRecords(c, 2)).records.map((r) => r.id),
          ['again', 'again'],
        );
      }),
    );

    test(STREAM_SUITE_TESTS.aggregation, () =>
      withStream('aggregation', { shards: 2 }, async (s) => {
        const big = makeRecords(300, { prefix: 'big', keys: ['BIG-KEY'], size: 4096 });
        const huge = makeRecords(1, { prefix: 'huge', keys: ['BIG-KEY'], size: 900 * 1024 })[0]!;
        const small = makeRecords(200, { prefix: 'small', keys: ['s1', 's2', 's3'], size: 50 });
        const all = [...big.slice(0, 150), huge, ...small, ...big.slice(150)];
        const total = all.reduce((n, r) => n + r.data.length, 0);
        assert.ok(total > 2 * 1024 * 1024);
        assert.deepEqual(await s.append(all), { appended: all.length, duplicates: 0 });
        const c = await s.consumer('g', POLICY);
        const got = await readRecords(c, all.length);
        assert.equal(got.records.length, all.length);
        const byId = new Map(got.records.map((r) => [r.id, r]));
        for (const r of all) {
          const back = byId.get(r.id);
          assert.ok(back, `record ${r.id} missing`);
          assert.ok(Buffer.from(back.data).equals(Buffer.from(r.data)), `data of ${r.id}`);
          assert.equal(back.key, r.key);
        }
        assert.deepEqual(
          got.records.filter((r) => r.key === 'BIG-KEY').map((r) => r.id),
          all.filter((r) => r.key === 'BIG-KEY').map((r) => r.id),
        );
      }),
    );

    test(STREAM_SUITE_TESTS.lag, () =>
      withStream('lag', { shards: 2 }, async (s) => {
        const t0 = now() - 60_000;
        const c = await s.consumer('g', { ...POLICY, count: 4 });
        await s.append(
          makeRecords(10, { prefix: 'l', keys: ['a', 'b', 'c', 'd'], timestamp: (i) => t0 + i }),
        );
        const lags = await s.lag('g');
        assert.equal(lags.length, s.shards);
        assert.equal(
          lags.reduce((n, l) => n + l.records, 0),
          10,
        );
        for (const l of lags) {
          assert.equal(l.group, 'g');
          if (l.records > 0) assert.ok(l.oldestAgeMs >= 59_000, `age ${l.oldestAgeMs}`);
          else assert.equal(l.oldestAgeMs, 0);
        }
        const part = await c.read();
        assert.equal(part.records.length, 4);
        await c.commit(part);
        assert.equal(
          (await s.lag('g')).reduce((n, l) => n + l.records, 0),
          6,
        );
        await readRecords(c, 6, { commit: true });
        for (const l of await s.lag('g')) assert.deepEqual([l.records, l.oldestAgeMs], [0, 0]);
      }),
    );

    test(STREAM_SUITE_TESTS.info, () =>
      withStream('info', { shards: 2 }, async (s, name) => {
        const empty = await s.info();
        assert.deepEqual(
          [empty.name, empty.shards, empty.records, empty.oldestTimestamp, empty.newestTimestamp],
          [name, 2, 0, undefined, undefined],
        );
        const t0 = now() - 30_000;
        await s.append(
          makeRecords(5, { prefix: 'i', keys: ['a', 'b', 'c'], timestamp: (i) => t0 + i }),
        );
        await s.consumer('reporting', POLICY);
        const info = await s.info();
        assert.equal(info.name, name);
        assert.equal(info.shards, 2);
        assert.equal(info.retentionMs, DEFAULTS.retentionMs);
        assert.equal(info.records, 5);
        assert.equal(info.oldestTimestamp, t0);
        assert.equal(info.newestTimestamp, t0 + 4);
        assert.ok(info.groups.includes('reporting'));
        assert.ok(info.backend.length > 0);
      }),
    );

    test(STREAM_SUITE_TESTS.backpressure, () =>
      withStream('backpressure', { maxPendingRecords: 10 }, async (s) => {
        const batches = Array.from({ length: 20 }, (_, i) =>
          makeRecords(5, { prefix: `bp${i}-`, keys: ['a', 'b', 'c'] }),
        );
        const results = await Promise.allSettled(batches.map((b) => s.append(b)));
        const ok = results.flatMap((r, i) => (r.status === 'fulfilled' ? [batches[i]!] : []));
        const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
        assert.ok(ok.length > 0, 'some appends went through');
        assert.ok(rejected.length > 0, 'some appends were pushed back');
        for (const e of rejected) {
          assert.ok(e instanceof BackpressureError, `got ${e}`);
          assert.ok(e.retryAfterMs > 0 && Number.isFinite(e.retryAfterMs));
        }
        await assert.rejects(
          s.append(makeRecords(11, { prefix: 'too-many', keys: ['a'] })),
          BackpressureError,
        );
        const later = makeRecords(5, { prefix: 'later', keys: ['a', 'b'] });
        assert.deepEqual(await s.append(later), { appended: 5, duplicates: 0 });
        const want = [...ok.flat(), ...later];
        const c = await s.consumer('g', POLICY);
        const got = await readRecords(c, want.length);
        assert.deepEqual(sortedIds(got.records), sortedIds(want));
        await expectNoMore(c);
      }),
    );
  });
}
