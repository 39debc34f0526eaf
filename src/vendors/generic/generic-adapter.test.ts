import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, fixture, RECEIVED_AT } from '../testing/vendor-test-kit.js';
import { GenericAdapter } from './generic-adapter.js';

const adapter = new GenericAdapter();
const text = fixture('generic', 'record.json').toString();
const record = () => JSON.parse(text) as Record<string, unknown>;

describe('GenericAdapter', () => {
  it('reads one record object field by field, filling receivedAt', () => {
    const { records, rejected } = adapter.parse(text, context());
    assert.deepEqual(rejected, []);
    const r = records[0]!;
    assert.equal(r.id, 'gen-7f3a-0001');
    assert.equal(r.vendor, 'generic');
    assert.equal(r.shoppedAt, '2025-04-30T20:15:00.000Z');
    assert.equal(r.receivedAt, RECEIVED_AT.toISOString());
    assert.equal(r.pos, 'DE');
    assert.deepEqual(
      [r.origin, r.destination, r.departureDate, r.returnDate, r.tripType],
      ['FRA', 'SIN', '2025-12-19', '2026-01-06', 'roundtrip'],
    );
    assert.deepEqual(r.passengers, { adults: 2, children: 0, infants: 0 });
    const o = r.offers[0]!;
    assert.deepEqual(
      [o.totalAmount, o.baseAmount, o.taxAmount, o.currency, o.perAdultAmount],
      [2318.42, 1640, 678.42, 'EUR', 1159.21],
    );
    assert.deepEqual(o.passengerPrices, [{ type: 'adult', count: 2, totalAmount: 2318.42 }]);
    assert.deepEqual(
      o.legs.map((l) =>
        l.segments.map(
          (s) => `${s.carrier}${s.flightNumber} ${s.origin}-${s.destination} ${s.departAt}`,
        ),
      ),
      [['SQ325 FRA-SIN 2025-12-19T21:10'], ['SQ326 SIN-FRA 2026-01-06T23:35']],
    );
  });

  it('fills missing context from headers, and forces vendor to generic', () => {
    const rec = record();
    delete rec.id;
    delete rec.shoppedAt;
    delete rec.pos;
    rec.vendor = 'amadeus';
    const { records } = adapter.parse(
      JSON.stringify(rec),
      context({
        'x-transaction-id': 'tx-9',
        'x-shopped-at': '2025-05-01T11:00:00Z',
        'x-point-of-sale': 'at',
      }),
    );
    const r = records[0]!;
    assert.deepEqual(
      [r.id, r.vendor, r.shoppedAt, r.pos],
      ['tx-9', 'generic', '2025-05-01T11:00:00.000Z', 'AT'],
    );
  });

  it('validates each item of an array and rejects the bad one by index with its field', () => {
    const bad = record();
    bad.origin = 'frankfurt';
    const items = [record(), bad, record()].map((r, i) => ({
      ...r,
      id: undefined,
      shoppedAt: undefined,
      n: i,
    }));
    const body = JSON.stringify(items);
    const { records, rejected } = adapter.parse(body, context());
    assert.equal(records.length, 2);
    assert.match(records[0]!.id, /^generic-[0-9a-f]{16}-0$/);
    assert.match(records[1]!.id, /^generic-[0-9a-f]{16}-2$/);
    assert.equal(records[0]!.shoppedAt, RECEIVED_AT.toISOString());
    assert.deepEqual(rejected, [{ index: 1, reason: 'origin: must be a 3-letter IATA code' }]);
    const withHeader = adapter.parse(body, context({ 'x-transaction-id': 'batch-7' }));
    assert.deepEqual(
      withHeader.records.map((r) => r.id),
      ['batch-7-0', 'batch-7-2'],
    );
  });

  it('reads NDJSON, rejecting an unparsable line by its item index', () => {
    const one = JSON.stringify(record());
    const body = `${one}\n{"id": oops\n\n${one.replace('gen-7f3a-0001', 'gen-7f3a-0002')}\n`;
    const { records, rejected } = adapter.parse(body, context());
    assert.deepEqual(
      records.map((r) => r.id),
      ['gen-7f3a-0001', 'gen-7f3a-0002'],
    );
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.index, 1);
    assert.match(rejected[0]!.reason, /^line 2: not valid JSON/);
  });

  it('rejects what is not a record at all', () => {
    for (const body of ['', '42', '"x"', '{"a":', '[1]']) {
      const r = adapter.parse(body, context());
      assert.equal(r.records.length, 0, body);
      assert.ok(r.rejected[0]!.reason.length > 0, body);
    }
    assert.deepEqual(adapter.parse('[1]', context()).rejected, [
      { index: 0, reason: 'expected a record object, got number' },
    ]);
  });
});
