import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCountryCode, isIataLocation } from '../model/reference/reference-data.js';
import { AIRPORTS } from './airports.js';

describe('generator airports', () => {
  it('are known to the reference data, and so are their countries', () => {
    const unknown = AIRPORTS.filter((a) => !isIataLocation(a.code)).map((a) => a.code);
    assert.deepEqual(unknown, []);
    const countries = AIRPORTS.filter((a) => !isCountryCode(a.country)).map((a) => a.country);
    assert.deepEqual(countries, []);
  });
});
