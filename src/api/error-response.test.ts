import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RowStoreUnavailableError } from '../sql/errors.js';
import { errorResponse } from './error-response.js';

describe('errorResponse', () => {
  it('answers 503 with Retry-After when the row store cannot be reached', () => {
    const r = errorResponse(new RowStoreUnavailableError('PostgreSQL unavailable: ECONNREFUSED'));
    assert.equal(r.status, 503);
    assert.equal(r.body.error, 'unavailable');
    assert.equal(r.headers?.['retry-after'], '5');
    assert.doesNotMatch(r.body.message, /ECONNREFUSED/, 'no server detail to the client');
  });

  it('keeps any other unexpected error a 500 without detail', () => {
    const r = errorResponse(new Error('relation "x" does not exist'));
    assert.equal(r.status, 500);
    assert.equal(r.body.message, 'internal error');
  });
});
