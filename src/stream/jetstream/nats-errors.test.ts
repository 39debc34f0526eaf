import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackpressureError, StreamUnavailableError } from '../errors.js';
import { isWrongLastSequence, toStreamError } from './nats-errors.js';

const online = { online: true, retryAfterMs: 750 };

describe('toStreamError', () => {
  it('maps a timeout and exhausted server resources to BackpressureError with the hint', () => {
    for (const err of [
      Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' }),
      Object.assign(new Error('insufficient resources'), {
        code: '503',
        api_error: { code: 503, err_code: 10023, description: 'insufficient resources' },
      }),
      Object.assign(new Error('maximum bytes exceeded'), { code: '400' }),
    ]) {
      const e = toStreamError(err, 'append to s', online);
      assert.ok(e instanceof BackpressureError, `${err.message} -> ${e.name}`);
      assert.equal(e.retryAfterMs, 750);
      assert.equal(e.cause, err);
      assert.match(e.message, /^append to s: /);
    }
  });

  it('maps a lost connection and anything else to StreamUnavailableError', () => {
    const timeout = Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' });
    assert.ok(
      toStreamError(timeout, 'x', { online: false, retryAfterMs: 1 }) instanceof
        StreamUnavailableError,
    );
    const closed = Object.assign(new Error('closed'), { code: 'CONNECTION_CLOSED' });
    assert.ok(toStreamError(closed, 'x', online) instanceof StreamUnavailableError);
    const noJs = Object.assign(new Error('503'), { code: '503' });
    assert.ok(toStreamError(noJs, 'x', online) instanceof StreamUnavailableError);
  });

  it('passes contract errors and RangeError through', () => {
    const r = new RangeError('bad');
    assert.equal(toStreamError(r, 'x', online), r);
    const b = new BackpressureError('busy', 5);
    assert.equal(toStreamError(b, 'x', online), b);
  });

  it('recognises a failed compare-and-set', () => {
    assert.ok(isWrongLastSequence({ api_error: { err_code: 10071 } }));
    assert.ok(!isWrongLastSequence(new Error('other')));
  });
});
