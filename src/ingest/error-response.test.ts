import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackpressureError, StreamUnavailableError } from '../stream/errors.js';
import { errorResponse } from './error-response.js';
import {
  BodyTooLargeError,
  PayloadRejectedError,
  RequestRefusedError,
  TooManyRecordsError,
  UnsupportedEncodingError,
} from './errors.js';
import { ingestRouteVendor } from './ingest-route.js';

describe('errorResponse', () => {
  it('gives every error of the ingest path a code and a message, and its reasons', () => {
    const cases: [unknown, number, string, string[]][] = [
      [
        new RequestRefusedError(401, 'unauthorized', 'invalid bearer token'),
        401,
        'unauthorized',
        ['unauthorized'],
      ],
      [
        new PayloadRejectedError([{ index: 0, reason: 'origin: missing' }]),
        400,
        'invalid_payload',
        ['origin: missing'],
      ],
      [new TooManyRecordsError(11, 10), 413, 'too_many_records', ['too_many_records']],
      [
        new BodyTooLargeError('decompressed body exceeds 5 bytes'),
        413,
        'body_too_large',
        ['body_too_large'],
      ],
      [
        new UnsupportedEncodingError('Content-Encoding "br" is not supported'),
        415,
        'unsupported_encoding',
        ['bad_encoding'],
      ],
      [
        new BackpressureError('stream s: 9 records waiting', 1500),
        503,
        'backpressure',
        ['backpressure'],
      ],
      [
        new StreamUnavailableError('stream s: append failed'),
        503,
        'stream_unavailable',
        ['stream_unavailable'],
      ],
      [
        Object.assign(new Error('too big'), { statusCode: 413 }),
        413,
        'body_too_large',
        ['body_too_large'],
      ],
      [
        Object.assign(new Error('Unexpected end'), { statusCode: 400 }),
        400,
        'bad_request',
        ['bad_request'],
      ],
      [new Error('secret detail'), 500, 'internal', ['internal']],
    ];
    for (const [err, status, code, reasons] of cases) {
      const a = errorResponse(err, 1024);
      assert.equal(a.status, status, String(err));
      assert.equal(a.body.error, code, String(err));
      assert.ok(a.body.message.length > 0, String(err));
      assert.deepEqual(a.reasons, reasons, String(err));
    }
    assert.equal(errorResponse(new Error('secret detail'), 1).body.message, 'internal error');
    assert.match(
      errorResponse(Object.assign(new Error('x'), { statusCode: 413 }), 1024).body.message,
      /ingest\.maxBodyBytes \(1024 bytes\)/,
    );
    const slow = errorResponse(new BackpressureError('busy', 1500), 1);
    assert.deepEqual(slow.headers, { 'retry-after': '2' });
    assert.equal(slow.body.retryAfterSeconds, 2);
  });
});

describe('ingestRouteVendor', () => {
  it('takes /v1/ingest/<vendor> only, decoded, query ignored', () => {
    assert.equal(ingestRouteVendor('/v1/ingest/generic'), 'generic');
    assert.equal(ingestRouteVendor('/v1/ingest/generic?x=1'), 'generic');
    assert.equal(ingestRouteVendor('/v1/ingest/g%65neric'), 'generic');
    // anything else is the framework's to answer, as before the route had its own path
    assert.equal(ingestRouteVendor('/v1/ingest/'), undefined);
    assert.equal(ingestRouteVendor('/v1/ingest/generic/more'), undefined);
    assert.equal(ingestRouteVendor('/v1/ingest/%E0%A4%A'), undefined);
    assert.equal(ingestRouteVendor('/v1/ingestx'), undefined);
    assert.equal(ingestRouteVendor('/healthz'), undefined);
  });
});
