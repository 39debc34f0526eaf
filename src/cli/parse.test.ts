import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { validateRecord } from '../model/validate.js';
import { fixturePath } from '../vendors/testing/vendor-test-kit.js';

/** When the 2025 fixtures below (flights from June 2025) were shopped. */
const SHOPPED_AT = '2025-05-01T12:00:00Z';

function faresight(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['bin/faresight.mjs', ...args], {
    encoding: 'utf8',
    input,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('faresight parse', () => {
  it('prints records as NDJSON and rejections on stderr, exit 0', () => {
    const file = fixturePath('amadeus', 'flight-offers-roundtrip.json');
    // The fixture's flights leave in June 2025: replayed now, it needs its shop time.
    const r = faresight([
      'parse',
      '--vendor',
      'amadeus',
      file,
      '--header',
      'X-Point-Of-Sale: ES',
      '--shopped-at',
      SHOPPED_AT,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const rec = JSON.parse(lines[0]!);
    assert.equal(validateRecord(rec).ok, true);
    assert.deepEqual(
      [rec.vendor, rec.pos, rec.origin, rec.destination],
      ['amadeus', 'ES', 'MAD', 'JFK'],
    );
    assert.equal(rec.offers[0].totalAmount, 2413.47);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(
      r.stderr,
      /^rejected item 1: data\[1\]\.price\.grandTotal: .*more decimals than EUR/,
    );
  });

  it('reads stdin with -, and exits 1 with a one-line error when nothing comes out', () => {
    const body = readFileSync(fixturePath('kiwi', 'search-roundtrip.json'), 'utf8');
    const ok = faresight(['parse', '--vendor', 'kiwi', '-', '--shopped-at', SHOPPED_AT], body);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).id, 'kiwi-search-0001');
    const bad = faresight(['parse', '--vendor', 'kiwi', '-'], 'not json');
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.match(
      bad.stderr,
      /^rejected payload: not valid JSON: .*\nfaresight: no records in stdin as kiwi \(1 rejection\)\n$/,
    );
  });

  it('says to give --shopped-at when an old payload is read as shopped now', () => {
    const file = fixturePath('amadeus', 'flight-offers-roundtrip.json');
    const r = faresight(['parse', '--vendor', 'amadeus', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /departureDate: 2025-06-\d\d is before the search/);
    assert.match(
      r.stderr,
      /faresight: no records in .* as amadeus \(\d rejections?\): its dates are before the time it was read as shopped \(now\); give --shopped-at with when it was shopped\n$/,
    );
  });

  it('names the known vendors when the vendor is unknown', () => {
    const r = faresight(['parse', '--vendor', 'galileo', 'x.json']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'faresight: unknown vendor "galileo"; known: sabre, amadeus, travelport, duffel, kiwi, generic\n',
    );
  });

  it('takes the search context ingest takes from headers as flags', () => {
    const file = fixturePath('duffel', 'offer-request-roundtrip.json');
    const r = faresight([
      'parse',
      '--vendor',
      'duffel',
      file,
      '--pos',
      'fr',
      '--shopped-at',
      '2024-02-03T04:05:06+01:00',
      '--transaction-id',
      'replayed-7',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rec = JSON.parse(r.stdout.trim().split('\n')[0]!);
    assert.deepEqual(
      [rec.id, rec.pos, rec.shoppedAt],
      ['orq_0000TestFaresight01', 'FR', '2024-02-03T03:05:06.000Z'],
      "the payload's own id stays the key; the shop time is the one given",
    );
    const amadeus = faresight([
      'parse',
      '--vendor',
      'amadeus',
      fixturePath('amadeus', 'flight-offers-roundtrip.json'),
      '--transaction-id',
      'replayed-8',
      '--shopped-at',
      SHOPPED_AT,
    ]);
    assert.equal(amadeus.code, 0, amadeus.stderr);
    assert.equal(JSON.parse(amadeus.stdout).id, 'replayed-8', 'a payload without an id takes it');
  });

  it('names the flag at fault', () => {
    const file = fixturePath('duffel', 'offer-request-roundtrip.json');
    const bad = faresight(['parse', '--vendor', 'duffel', file, '--shopped-at', 'yesterday']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--shopped-at must be an ISO 8601 instant with a zone .*"yesterday"/);
    const pos = faresight(['parse', '--vendor', 'duffel', file, '--pos', 'France']);
    assert.equal(pos.code, 1);
    assert.match(pos.stderr, /--pos must be an ISO 3166 country code .*"France"/);
  });
});
