import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFareCsv } from './fare-csv.js';

describe('parseFareCsv', () => {
  it('reads required and optional columns in any order', () => {
    const rows = parseFareCsv(
      '\uFEFFprice,market,cabin,lead_days,stay_days,carrier\r\n199.5,JFK-LAX,Economy,12,4,AA\r\n\r\n99,JFK-LAX,economy,3,,B6\n',
    );
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], {
      features: {
        market: 'JFK-LAX',
        cabin: 'economy',
        tripType: 'roundtrip',
        leadDays: 12,
        stayDays: 4,
        currency: '',
      },
      price: 199.5,
    });
    assert.equal(rows[1]?.features.tripType, 'oneway');
  });

  it('reads an optional shopped_at time as epoch milliseconds', () => {
    const rows = parseFareCsv(
      'market,cabin,lead_days,price,shopped_at\nA-B,economy,3,10,2025-03-01T10:00:00Z\nA-B,economy,3,10,\n',
    );
    assert.equal(rows[0]?.shoppedAt, Date.UTC(2025, 2, 1, 10));
    assert.equal(rows[1]?.shoppedAt, undefined);
    assert.throws(
      () =>
        parseFareCsv(
          'market,cabin,lead_days,price,shopped_at\nA-B,economy,3,10,yesterday',
          'p.csv',
        ),
      /p\.csv:2: shopped_at "yesterday" is not an ISO 8601 time/,
    );
  });

  it('names the line and the problem of bad input', () => {
    assert.throws(
      () => parseFareCsv('market,cabin,price\nA-B,economy,1', 'h.csv'),
      /h\.csv:1: missing column "lead_days"/,
    );
    assert.throws(
      () =>
        parseFareCsv('market,cabin,lead_days,price\nA-B,economy,3,10\nA-B,economy,3,-2', 'h.csv'),
      /h\.csv:3: price "-2" is not a positive number/,
    );
    assert.throws(
      () => parseFareCsv('market,cabin,lead_days,price\nA-B,economy,soon,10', 'p.csv'),
      /p\.csv:2: lead_days "soon"/,
    );
  });
});
