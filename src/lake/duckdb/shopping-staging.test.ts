import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import avro from 'avsc';
import fc from 'fast-check';
import { decodeRecord, encodeRecord } from '../../model/codec.js';
import type { ShoppingRecord } from '../../model/shopping-record.js';
import { shoppingRecordArb } from '../../model/testing/arbitraries.js';
import { variedRecord } from '../../model/testing/records.js';
import { validateRecord } from '../../model/validate.js';
import { ParquetWriteError } from '../errors.js';
import { AvroJsonError, AvroReader, JsonOut, snakeCase, writeNumber } from './avro-json.js';
import { DuckDBParquetWriter } from './duckdb-parquet-writer.js';
import {
  peekShopping,
  ShoppingStager,
  type StagedInput,
  stageShoppingFiles,
} from './shopping-staging.js';
import { packRecords, StagingThread, StagingThreadError, unpackRecords } from './staging-thread.js';

/** A record as the lake stages it, worked out from the decoded record the slow, obvious way. */
function snake(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snake);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [snakeCase(k), snake(x)]));
  return v;
}

function expectedLines(r: ShoppingRecord, shard: number, seq: number) {
  const { offers, shoppedAt, receivedAt, ...search } = r;
  const prefix = {
    _shard: shard,
    _seq: seq,
    ...(snake(search) as object),
    shopped_at: Date.parse(shoppedAt),
    received_at: Date.parse(receivedAt),
  };
  let min: (typeof offers)[number] | undefined;
  for (const o of offers)
    if (
      !min ||
      o.totalAmount < min.totalAmount ||
      (o.totalAmount === min.totalAmount && o.currency < min.currency)
    )
      min = o;
  return {
    search: {
      ...prefix,
      offer_count: offers.length,
      min_total_amount: min?.totalAmount ?? null,
      currency: min?.currency ?? null,
    },
    // Schema v2 writes the flag of every offer; absent in the record means false.
    offers: offers.map((o, i) => ({
      ...prefix,
      offer_index: i,
      amounts_inconsistent: false,
      ...(snake(o) as object),
    })),
  };
}

const lines = (b: Buffer) =>
  b
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Keys sorted, so that objects compare regardless of field order. */
const sorted = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sorted)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
        )
      : v;

const valid = shoppingRecordArb.map((r) => {
  const v = validateRecord(r);
  if (!v.ok) throw new Error(v.errors.join('; '));
  return v.record;
});

describe('shopping staging (Avro bytes to NDJSON lines)', () => {
  test('any valid record stages as the lake shape of its decoded self', () => {
    fc.assert(
      fc.property(fc.array(valid, { minLength: 1, maxLength: 4 }), (records) => {
        const st = new ShoppingStager();
        for (const [i, r] of records.entries()) st.add(i % 4, 100 + i, encodeRecord(r));
        const searches = lines(st.searches.view());
        const offers = lines(st.offers.view());
        const want = records.map((r, i) =>
          expectedLines(decodeRecord(encodeRecord(r)), i % 4, 100 + i),
        );
        assert.deepEqual(sorted(searches), sorted(want.map((w) => w.search)));
        assert.deepEqual(sorted(offers), sorted(want.flatMap((w) => w.offers)));
        assert.equal(st.records, records.length);
        assert.equal(st.offerCount, offers.length);
      }),
      { numRuns: 200 },
    );
  });

  test('strings keep quotes, backslashes, control characters and non-ASCII text', () => {
    const r = variedRecord(1);
    const odd = 'Q"uo\\te\n\t\u0001 é 東京 😀';
    r.offers[0]!.legs[0]!.segments[0]!.fareBasis = odd;
    r.pos = 'ü"';
    const st = new ShoppingStager();
    st.add(0, 1, encodeRecord(r));
    const [o] = lines(st.offers.view()) as {
      pos: string;
      legs: { segments: { fare_basis: string }[] }[];
    }[];
    assert.equal(o!.legs[0]!.segments[0]!.fare_basis, odd);
    assert.equal(o!.pos, 'ü"');
  });

  test('only the tables asked for are staged', () => {
    const st = new ShoppingStager({ searches: false, offers: true });
    st.add(0, 1, encodeRecord(variedRecord(2, { offers: 3 })));
    assert.equal(st.searches.length, 0);
    assert.equal(lines(st.offers.view()).length, 3);
  });

  test('files staged one after another, one failing halfway, are each as staged alone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-stage-reuse-'));
    try {
      const batch = (from: number, n: number): StagedInput[] =>
        Array.from({ length: n }, (_, i) => ({
          shard: 1,
          seq: from + i,
          data: encodeRecord(variedRecord(from + i, { offers: 1 + (i % 4) })),
        }));
      const files = (name: string) => ({
        searches: path.join(dir, `${name}.s`),
        offers: path.join(dir, `${name}.o`),
      });
      const read = (f: { searches: string; offers: string }) => [
        fs.readFileSync(f.searches, 'utf8'),
        fs.readFileSync(f.offers, 'utf8'),
      ];
      const big = batch(1, 3000); // spills: more than the buffers hold
      const small = batch(5000, 7);
      // What a stager built for each file writes.
      const fresh = (records: StagedInput[]) => {
        const st = new ShoppingStager();
        for (const r of records) st.add(r.shard, r.seq, r.data);
        return [st.searches.view().toString(), st.offers.view().toString()];
      };
      stageShoppingFiles(big, files('big'));
      assert.deepEqual(read(files('big')), fresh(big));
      // A file that fails halfway leaves nothing behind for the next one.
      const broken = [...batch(9000, 50), { shard: 1, seq: 9050, data: new Uint8Array([1]) }];
      assert.throws(() => stageShoppingFiles(broken, files('broken')), /shard 1 seq 9050/);
      stageShoppingFiles(small, { offers: files('small').offers });
      assert.equal(fs.readFileSync(files('small').offers, 'utf8'), fresh(small)[1]);
      assert.equal(fs.existsSync(files('small').searches), false);
      stageShoppingFiles(small, files('again'));
      assert.deepEqual(read(files('again')), fresh(small));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad bytes throw AvroJsonError and leave both texts as they were', () => {
    const st = new ShoppingStager();
    st.add(0, 1, encodeRecord(variedRecord(1)));
    const before = [st.searches.view().toString(), st.offers.view().toString()];
    const good = encodeRecord(variedRecord(2, { offers: 2 }));
    const bad: [string, Uint8Array][] = [
      ['empty', new Uint8Array()],
      ['bad magic', Buffer.concat([Buffer.from([0x00]), good.subarray(1)])],
      ['unknown version', Buffer.concat([Buffer.from([good[0]!, 99]), good.subarray(2)])],
      ['trailing byte', Buffer.concat([good, Buffer.from([0])])],
    ];
    // Every truncation: the record ends early somewhere in its fields.
    for (let n = 2; n < good.length; n++) bad.push([`truncated to ${n}`, good.subarray(0, n)]);
    for (const [what, bytes] of bad) {
      assert.throws(() => st.add(0, 2, bytes), AvroJsonError, what);
      assert.deepEqual(
        [st.searches.view().toString(), st.offers.view().toString()],
        before,
        `${what}: nothing written`,
      );
    }
    assert.equal(st.records, 1);
  });

  test('peekShopping reads vendor and receivedAt without the rest', () => {
    fc.assert(
      fc.property(valid, (r) => {
        const head = peekShopping(encodeRecord(r));
        assert.equal(head.vendor, r.vendor);
        assert.equal(head.receivedAtMs, Date.parse(r.receivedAt));
      }),
      { numRuns: 100 },
    );
    assert.throws(() => peekShopping(Buffer.from([0xfa, 1, 3])), AvroJsonError);
  });

  test('varints decode as avsc decodes them, exactly up to 2^52 in magnitude', () => {
    const long = avro.Type.forSchema('long');
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (n) => {
        const buf = long.toBuffer(n);
        const r = new AvroReader(buf);
        const got = r.long();
        assert.equal(got, n);
        assert.equal(got, long.fromBuffer(buf));
        assert.equal(r.pos, buf.length);
      }),
      { numRuns: 2000 },
    );
    assert.throws(() => new AvroReader(Buffer.from([0x80, 0x80])).long(), AvroJsonError);
  });

  test('numbers are written as String writes them, amounts by the fast path too', () => {
    const text = (v: number) => {
      const out = new JsonOut(8);
      writeNumber(out, v, 0);
      return out.view().toString();
    };
    const edges = [
      0,
      -0,
      0.01,
      -0.01,
      0.1,
      0.5,
      1,
      9.99,
      10,
      100.1,
      494.84,
      1e-7,
      0.3 + 0.6,
      123456789.99,
      -123456789.99,
      999999999.99,
      1e9,
      1e9 + 0.5,
      2 ** 53,
      1e21,
      1.5e300,
      -2.5e-300,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
    ];
    for (const v of edges) assert.equal(text(v), String(v), `for ${v}`);
    fc.assert(
      fc.property(fc.integer({ min: -(1e11 - 1), max: 1e11 - 1 }), (c) => {
        const v = c / 100;
        assert.equal(text(v), String(v));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        assert.equal(text(v), String(v));
      }),
      { numRuns: 5000 },
    );
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      assert.throws(() => text(bad), AvroJsonError);
  });
});

test('records packed for the staging thread unpack to the same records', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          shard: fc.integer({ min: 0, max: 1023 }),
          seq: fc.integer({ min: 1, max: 2 ** 52 }),
          data: fc.uint8Array({ maxLength: 64 }),
        }),
        { maxLength: 50 },
      ),
      (records) => {
        const plain = (rs: readonly StagedInput[]) =>
          rs.map(({ shard, seq, data }) => ({ shard, seq, data: [...data] }));
        assert.deepEqual(plain(unpackRecords(packRecords(records))), plain(records));
      },
    ),
  );
});

test('a closed staging thread says so, and rejects what it is given', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-staging-thread-'));
  try {
    const t = await StagingThread.start();
    const input = [{ shard: 0, seq: 1, data: encodeRecord(variedRecord(1)) }];
    await t.stage(input, { offers: path.join(dir, 'o.ndjson') });
    assert.equal(lines(fs.readFileSync(path.join(dir, 'o.ndjson'))).length, 2);
    assert.equal(t.up, true);
    await t.close();
    assert.equal(t.up, false, 'the writer stages inline from now on');
    await assert.rejects(
      t.stage(input, { offers: path.join(dir, 'p.ndjson') }),
      (err: Error) => err instanceof StagingThreadError && /closed/.test(err.message),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('DuckDBParquetWriter on staged shopping records', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-staging-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a corrupt record fails the write with its position, on the thread and inline', async () => {
    for (const stagingThread of [true, false]) {
      const w = await DuckDBParquetWriter.open({
        stagingDir: path.join(dir, 'bad'),
        stagingThread,
      });
      try {
        const good = encodeRecord(variedRecord(1));
        const bad = good.subarray(0, good.length - 3);
        await assert.rejects(
          w.write(
            [
              { shard: 2, seq: 10, data: good },
              { shard: 2, seq: 11, data: bad },
            ],
            [{ table: 'offers', path: path.join(dir, 'bad.parquet') }],
          ),
          (err: Error) =>
            err instanceof ParquetWriteError && /shard 2 seq 11: truncated/.test(err.message),
        );
        assert.equal(fs.existsSync(path.join(dir, 'bad.parquet')), false);
        assert.deepEqual(fs.readdirSync(path.join(dir, 'bad')), [], 'no staging file left');
      } finally {
        await w.close();
      }
    }
  });

  for (const stagingThread of [true, false])
    test(`Parquet rows hold every field of the records, exactly (staging ${stagingThread ? 'on its thread' : 'inline'})`, async () => {
      const records = [
        ...fc.sample(valid, { numRuns: 60, seed: 7 }),
        ...Array.from({ length: 6 }, (_, i) => variedRecord(i)),
      ];
      const w = await DuckDBParquetWriter.open({
        stagingDir: path.join(dir, 'staging'),
        stagingThread,
      });
      const out = (t: string) => path.join(dir, `${t}-${stagingThread}.parquet`);
      try {
        await w.write(
          records.map((r, i) => ({ shard: 1, seq: i + 1, data: encodeRecord(r) })),
          [
            { table: 'searches', path: out('searches') },
            { table: 'offers', path: out('offers') },
          ],
        );
      } finally {
        await w.close();
      }
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      try {
        const read = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
        const searches = await read(
          `select id, epoch_ms(shopped_at) shopped, epoch_ms(received_at) received, market, adults,
           offer_count, min_total_amount::double min, currency, stream_seq
         from '${out('searches')}' order by stream_seq`,
        );
        const offers = await read(
          `select search_id, offer_index, total_amount::double total, base_amount::double base,
           currency, per_adult_amount::double per_adult, carriers, stops, refundable, seats_remaining,
           to_json(legs)::varchar legs, to_json(passenger_prices)::varchar pp
         from '${out('offers')}' order by stream_seq, offer_index`,
        );
        assert.equal(searches.length, records.length);
        const decoded = records.map((r) => decodeRecord(encodeRecord(r)));
        decoded.forEach((r, i) => {
          const s = searches[i]!;
          const min = Math.min(...r.offers.map((o) => o.totalAmount));
          assert.deepEqual(
            [s.id, Number(s.shopped), Number(s.received), s.market, s.adults, s.offer_count],
            [
              r.id,
              Date.parse(r.shoppedAt),
              Date.parse(r.receivedAt),
              `${r.origin}-${r.destination}`,
              r.passengers.adults,
              r.offers.length,
            ],
          );
          assert.equal(s.min, min);
          assert.equal(Number(s.stream_seq), i + 1);
        });
        const flat = decoded.flatMap((r) => r.offers.map((o, k) => ({ r, o, k })));
        assert.equal(offers.length, flat.length);
        flat.forEach(({ r, o, k }, i) => {
          const row = offers[i]!;
          assert.equal(row.search_id, r.id);
          assert.equal(row.offer_index, k);
          assert.equal(row.total, o.totalAmount);
          assert.equal(row.base, o.baseAmount ?? null);
          assert.equal(row.per_adult, o.perAdultAmount ?? null);
          assert.deepEqual(row.carriers, o.carriers);
          assert.equal(row.stops, Math.max(...o.legs.map((l) => l.stops)));
          assert.equal(row.refundable, o.refundable ?? null);
          assert.equal(row.seats_remaining, o.seatsRemaining ?? null);
          const legs = JSON.parse(String(row.legs)) as Record<string, unknown>[];
          const want = o.legs.map((l) => ({
            stops: l.stops,
            duration_minutes: l.durationMinutes ?? null,
            segments: l.segments.map((g) => ({
              carrier: g.carrier,
              flight_number: g.flightNumber,
              operating_carrier: g.operatingCarrier ?? null,
              origin: g.origin,
              destination: g.destination,
              depart_at: g.departAt,
              arrive_at: g.arriveAt,
              booking_class: g.bookingClass ?? null,
              fare_basis: g.fareBasis ?? null,
              cabin: g.cabin ?? null,
            })),
          }));
          assert.deepEqual(legs, want);
          const pp = JSON.parse(String(row.pp)) as { type: string; total_amount: number }[] | null;
          assert.deepEqual(
            pp?.map((p) => [p.type, Number(p.total_amount)]) ?? null,
            o.passengerPrices?.map((p) => [p.type, p.totalAmount]) ?? null,
          );
        });
      } finally {
        conn.closeSync();
        db.closeSync();
      }
    });
});
