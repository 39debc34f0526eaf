import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchRecord } from './search-record.js';
import type { ShoppingRecord } from './shopping-record.js';
import { validateRecord } from './validate.js';

function sample(): ShoppingRecord {
  return searchRecord({
    id: 'tx-1',
    shoppedAt: '2026-11-26T05:00:00Z',
    receivedAt: '2026-11-26T05:00:01.250Z',
    pos: 'US',
    origin: 'JFK',
    destination: 'LAX',
    departureDate: '2026-12-20',
    returnDate: '2026-12-27',
    offers: [{ carrier: 'AA', amount: 342.5 }],
  });
}

function errorsOf(mutate: (r: ShoppingRecord & Record<string, unknown>) => void): string[] {
  const r = structuredClone(sample()) as ShoppingRecord & Record<string, unknown>;
  mutate(r);
  const v = validateRecord(r);
  return v.ok ? [] : v.errors;
}

describe('validateRecord', () => {
  it('accepts a good record and normalises instants to UTC', () => {
    const r = sample();
    r.shoppedAt = '2026-11-26T06:00:00+01:00';
    const v = validateRecord(r);
    assert.ok(v.ok);
    assert.equal(v.record.shoppedAt, '2026-11-26T05:00:00.000Z');
  });

  const cases: [string, (r: ShoppingRecord & Record<string, unknown>) => void, RegExp][] = [
    [
      'lowercase IATA',
      (r) => {
        r.origin = 'jfk';
      },
      /^origin: must be a 3-letter IATA code/,
    ],
    [
      'impossible date',
      (r) => {
        r.departureDate = '2026-02-30';
      },
      /^departureDate: must be a calendar date/,
    ],
    [
      'unknown currency',
      (r) => {
        r.offers[0]!.currency = 'XYZ';
      },
      /^offers\[0\]\.currency: must be an ISO 4217/,
    ],
    [
      'negative amount',
      (r) => {
        r.offers[0]!.totalAmount = -1;
      },
      /^offers\[0\]\.totalAmount: must be positive/,
    ],
    [
      'infinite amount',
      (r) => {
        r.offers[0]!.totalAmount = Number.POSITIVE_INFINITY;
      },
      /offers\[0\]\.totalAmount/,
    ],
    [
      'sub-cent USD',
      (r) => {
        r.offers[0]!.totalAmount = 1.005;
      },
      /more decimals than USD/,
    ],
    [
      'fractional JPY',
      (r) => {
        r.offers[0]!.currency = 'JPY';
        r.offers[0]!.totalAmount = 100.5;
      },
      /more decimals than JPY/,
    ],
    [
      'no offers',
      (r) => {
        r.offers = [];
      },
      /^offers: a search record needs at least one offer/,
    ],
    [
      'return before departure',
      (r) => {
        r.returnDate = '2026-12-01';
      },
      /^returnDate: 2026-12-01 is before/,
    ],
    [
      'round trip without return',
      (r) => {
        delete r.returnDate;
      },
      /^returnDate: required for a round trip/,
    ],
    [
      'instant without zone',
      (r) => {
        r.shoppedAt = '2026-11-26T05:00:00';
      },
      /^shoppedAt: must be an ISO 8601 instant/,
    ],
    [
      'bad segment time',
      (r) => {
        r.offers[0]!.legs[0]!.segments[0]!.departAt = 'tomorrow';
      },
      /^offers\[0\]\.legs\[0\]\.segments\[0\]\.departAt/,
    ],
    [
      'missing field',
      (r) => {
        delete (r as Record<string, unknown>).passengers;
      },
      /^passengers:/,
    ],
    [
      'no passengers',
      (r) => {
        r.passengers = { adults: 0, children: 0, infants: 0 };
      },
      /^passengers\.adults: must be 1-9/,
    ],
  ];
  for (const [name, mutate, expected] of cases) {
    it(`rejects ${name}, naming the field`, () => {
      const errs = errorsOf(mutate);
      assert.ok(
        errs.some((e) => expected.test(e)),
        `got: ${errs.join(' | ')}`,
      );
    });
  }

  it('accepts KWD with three decimals and JPY whole amounts', () => {
    assert.deepEqual(
      errorsOf((r) => {
        r.offers[0]!.currency = 'KWD';
        r.offers[0]!.totalAmount = 12.345;
      }),
      [],
    );
    assert.deepEqual(
      errorsOf((r) => {
        r.offers[0]!.currency = 'JPY';
        r.offers[0]!.totalAmount = 45200;
      }),
      [],
    );
  });

  it('never throws on junk', () => {
    for (const junk of [null, 42, 'x', [], { offers: 'no' }, { passengers: null }]) {
      const v = validateRecord(junk);
      assert.equal(v.ok, false);
    }
  });
});
