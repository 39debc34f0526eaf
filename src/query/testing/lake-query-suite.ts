/**
 * The shared suite of the LakeQuery contract: every implementation must pass the same
 * tests (`runLakeQuerySuite({ name, create, skip })`), as every stream passes
 * `runStreamSuite`. Implementation-only behaviour (the local archive tier, the remote
 * file cache) stays in the implementation's own tests.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBParquetWriter } from '../../lake/duckdb/duckdb-parquet-writer.js';
import { fileKey, partitionOf } from '../../lake/lake-layout.js';
import type { ObjectStore } from '../../lake/object-store/object-store.js';
import { PARTITION_COLUMNS, SOURCE_TABLES, TABLE_COLUMNS } from '../../lake/tables.js';
import { encodeRecord } from '../../model/codec.js';
import { variedRecord } from '../../model/testing/records.js';
import { QueryError } from '../errors.js';
import type { LakeQuery } from '../lake-query.js';

/** An empty lake: the engine under test over it and the store its files are put in. */
export interface LakeUnderTest {
  query: LakeQuery;
  store: ObjectStore;
}

/** Options of runLakeQuerySuite. */
export interface LakeQuerySuiteOptions {
  /** The implementation's name, in the test titles. */
  name: string;
  /** Opens an empty lake in the fresh directory `dir`; the suite closes `query`. */
  create(dir: string): Promise<LakeUnderTest>;
  /** Tests this implementation does not pass, each with the reason. */
  skip?: readonly { reason: string; tests: readonly string[] }[];
}

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-26T04:00:00.000Z');

/** Puts `perHour` records into each of hours 04, 05 and 06 of 2026-11-26, one file per hour and table. */
export async function writeLake(store: ObjectStore, stagingDir: string, perHour: number) {
  const writer = await DuckDBParquetWriter.open({ stagingDir });
  try {
    for (let h = 0; h < 3; h++) {
      const inputs = Array.from({ length: perHour }, (_, i) => {
        const seq = h * perHour + i + 1;
        return {
          shard: 0,
          seq,
          data: encodeRecord(variedRecord(seq, { receivedAtMs: T0 + h * HOUR + i * 1000 })),
        };
      });
      const part = partitionOf('generic', T0 + h * HOUR);
      const range = { shard: 0, first: inputs[0]!.seq, last: inputs[inputs.length - 1]!.seq };
      for (const table of SOURCE_TABLES.shopping) {
        const local = path.join(stagingDir, `${table}-${h}.parquet`);
        await writer.write(inputs, [{ table, path: local }]);
        await store.putFile(fileKey(table, part, range), local);
      }
    }
  } finally {
    await writer.close();
  }
}

/** Registers the LakeQuery contract tests for one implementation. */
export function runLakeQuerySuite(opts: LakeQuerySuiteOptions): void {
  const skipped = new Map<string, string>();
  for (const s of opts.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason);

  describe(`LakeQuery contract: ${opts.name}`, () => {
    let tmp: string;
    let n = 0;
    before(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-lake-query-suite-'));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** Runs `fn` on a fresh empty lake and closes its engine after. */
    const withLake = async (fn: (lake: LakeUnderTest, dir: string) => Promise<void>) => {
      const dir = path.join(tmp, String(++n));
      fs.mkdirSync(path.join(dir, 'staging'), { recursive: true });
      const lake = await opts.create(dir);
      try {
        await fn(lake, dir);
      } finally {
        await lake.query.close();
      }
    };

    const it = (name: string, fn: () => Promise<void>) => {
      const reason = skipped.get(name);
      if (reason) test(name, { skip: reason }, fn);
      else test(name, fn);
    };

    it('an empty lake has typed, empty tables', () =>
      withLake(async ({ query: q }) => {
        assert.deepEqual(await q.all('select count(*) as n from searches'), [{ n: 0 }]);
        assert.deepEqual(await q.all('select count(*) as n from offers'), [{ n: 0 }]);
        const result = await q.open('select * from offers');
        assert.deepEqual(
          result.columns.map((c) => c.name),
          [...TABLE_COLUMNS.offers, ...PARTITION_COLUMNS].map((c) => c.name),
        );
        for await (const rows of result.batches()) assert.equal(rows.length, 0);
        assert.deepEqual(
          await q.all("select count(*) n from offers where dt = '2026-11-26' and hour = '05'"),
          [{ n: 0 }],
        );
      }));

    it('files that land after open are seen by the next query', () =>
      withLake(async ({ query: q, store }, dir) => {
        assert.deepEqual(await q.all('select count(*) as n from searches'), [{ n: 0 }]);
        await writeLake(store, path.join(dir, 'staging'), 4);
        assert.deepEqual(await q.all('select count(*) as n from searches'), [{ n: 12 }]);
      }));

    it('values come back JSON-friendly', () =>
      withLake(async ({ query: q, store }, dir) => {
        await writeLake(store, path.join(dir, 'staging'), 3);
        const [o] = await q.all(
          "select * from offers where search_id = 'rec-1' and offer_index = 0",
        );
        assert.ok(o);
        assert.equal(o.received_at, '2026-11-26T04:00:00.000Z');
        assert.equal(o.departure_date, '2026-12-20');
        assert.equal(o.dt, '2026-11-26');
        assert.equal(o.hour, 4);
        assert.equal(o.vendor, 'generic');
        assert.equal(o.total_amount, 101);
        assert.equal(o.tax_amount, 20);
        assert.equal(o.stream_seq, 1);
        assert.deepEqual(o.carriers, ['BA']);
        assert.deepEqual(
          (o.legs as { segments: { flight_number: string }[] }[])[0]!.segments[0]!.flight_number,
          '100',
        );
        const [big] = await q.all(
          'select 9007199254740993::BIGINT as b, 12345678901234567.125::DECIMAL(38,3) as d, 0.1::DECIMAL(18,3) as small',
        );
        assert.deepEqual(big, { b: '9007199254740993', d: '12345678901234567.125', small: 0.1 });
      }));

    it('a filter on dt and hour returns only that hour', () =>
      withLake(async ({ query: q, store }, dir) => {
        await writeLake(store, path.join(dir, 'staging'), 5);
        assert.deepEqual(
          await q.all(
            "select count(*) n, min(hour) lo, max(hour) hi from searches where dt = '2026-11-26' and hour = '05'",
          ),
          [{ n: 5, lo: 5, hi: 5 }],
        );
      }));

    it('stream yields batches; a SQL error is a one-line QueryError', () =>
      withLake(async ({ query: q }) => {
        let rows = 0;
        let batches = 0;
        for await (const b of q.stream('select * from range(5000)')) {
          rows += b.length;
          batches++;
        }
        assert.equal(rows, 5000);
        assert.ok(batches > 1, 'rows arrive in more than one batch');
        await assert.rejects(q.all('select nope from searches'), (err: unknown) => {
          assert.ok(err instanceof QueryError);
          assert.match(err.message, /nope/);
          assert.ok(!err.message.includes('\n'));
          return true;
        });
        await assert.rejects(q.all('selec 1'), QueryError);
      }));

    it('toParquet writes the whole result to one file and returns its row count', () =>
      withLake(async ({ query: q, store }, dir) => {
        await writeLake(store, path.join(dir, 'staging'), 4);
        const out = path.join(dir, 'out');
        fs.mkdirSync(out);
        const file = path.join(out, 'result.parquet');
        assert.equal(await q.toParquet('select id, hour from searches order by id', file), 12);
        assert.deepEqual(fs.readdirSync(out), ['result.parquet'], 'no temporary file is left');
        const back = await q.all(`select count(*) n from read_parquet('${file}')`);
        assert.deepEqual(back, [{ n: 12 }]);
        await assert.rejects(q.toParquet('select nope from searches', file), QueryError);
        assert.deepEqual(fs.readdirSync(out), ['result.parquet']);
      }));
  });
}
