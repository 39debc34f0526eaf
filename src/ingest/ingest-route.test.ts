import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IngestOutcome } from './ingest-handler.js';
import { acceptedAnswer } from './ingest-route.js';

const outcome = (o: Partial<IngestOutcome>): IngestOutcome => ({
  accepted: 0,
  duplicates: 0,
  offers: 0,
  inconsistentOffers: 0,
  flaggedRecords: {},
  rejected: [],
  ...o,
});

describe('acceptedAnswer', () => {
  it('is the JSON of accepted, duplicates, offers and rejected, in that order, and nothing else', () => {
    const plain = outcome({ accepted: 3, duplicates: 1, offers: 12, inconsistentOffers: 2 });
    assert.equal(
      acceptedAnswer(plain),
      JSON.stringify({ accepted: 3, duplicates: 1, offers: 12, rejected: [] }),
    );
    const rejected = outcome({
      accepted: 1,
      offers: 4,
      flaggedRecords: { unknownAirport: 1 },
      rejected: [{ index: 1, reason: 'origin: "Q\\"X" is not an IATA code' }],
    });
    assert.deepEqual(JSON.parse(acceptedAnswer(rejected)), {
      accepted: 1,
      duplicates: 0,
      offers: 4,
      rejected: [{ index: 1, reason: 'origin: "Q\\"X" is not an IATA code' }],
    });
  });
});
