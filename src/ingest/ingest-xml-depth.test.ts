/**
 * XML payloads (Travelport) nested deeper than `ingest.maxXmlDepth` are refused before
 * parsing, with an error naming the limit, and kept as a dead letter.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDeadLetter } from '../model/dead-letter.js';
import { type GenSearch, toTravelport } from '../vendors/testing/generated-payloads.js';
import { postIngest, readAll, withIngest } from './testing/with-ingest.js';

const xml = { 'content-type': 'text/xml' };

const search: GenSearch = {
  id: 'tp-1',
  tripType: 'oneway',
  routes: [{ origin: 'JFK', destination: 'LHR' }],
  offers: [
    {
      cents: 45_000,
      legs: [
        [
          {
            carrier: 'BA',
            flightNumber: '178',
            origin: 'JFK',
            destination: 'LHR',
            departAt: '2026-12-20T08:00:00',
            arriveAt: '2026-12-20T20:00:00',
          },
        ],
      ],
    },
  ],
};

describe('ingest refuses deeply nested XML early', () => {
  it('answers 400 naming ingest.maxXmlDepth for 100,000 nested elements, and keeps the payload', async () => {
    await withIngest({}, async ({ app, deadLetters, stream }) => {
      const body = `<?xml version="1.0"?>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`;
      const res = await postIngest(app, body, xml, 'travelport');
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error, 'invalid_payload');
      assert.match(
        res.json().message,
        /XML nested deeper than 64 elements \(ingest\.maxXmlDepth\); not parsed/,
      );
      assert.equal((await readAll(stream)).length, 0);
      const letters = (await readAll(deadLetters)).map((r) => decodeDeadLetter(r.data));
      assert.equal(letters.length, 1);
      assert.equal(letters[0]!.vendor, 'travelport');
      assert.match(letters[0]!.rejected[0]!.reason, /ingest\.maxXmlDepth/);
    });
  });

  it('takes a real Travelport payload at the default limit, and refuses it under a tiny one', async () => {
    const body = toTravelport(search);
    const headers = { ...xml, 'x-shopped-at': new Date(Date.now() - 60_000).toISOString() };
    await withIngest({}, async ({ app }) => {
      const res = await postIngest(app, body, headers, 'travelport');
      assert.equal(res.statusCode, 202, res.body);
    });
    await withIngest({ maxXmlDepth: 3 }, async ({ app }) => {
      const res = await postIngest(app, body, headers, 'travelport');
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().message, /XML nested deeper than 3 elements/);
    });
  });
});
