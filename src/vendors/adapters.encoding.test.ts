import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAdapters } from './adapters.js';
import { allFixtures, context } from './testing/vendor-test-kit.js';
import type { AdapterResult } from './vendor-adapter.js';

const adapters = createAdapters();

/** The result without record ids: an assigned id digests the bytes, which differ here. */
function withoutIds(r: AdapterResult): unknown {
  return { records: r.records.map((x) => ({ ...x, id: undefined })), rejected: r.rejected };
}

function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

const variants: {
  name: string;
  body: (text: string) => Buffer;
  headers?: Record<string, string>;
}[] = [
  { name: 'a UTF-8 byte-order mark', body: (t) => Buffer.from(`\ufeff${t}`, 'utf8') },
  {
    name: 'a charset=UTF-8 content type',
    body: (t) => Buffer.from(t, 'utf8'),
    headers: { 'content-type': 'application/json; charset="UTF-8"' },
  },
  {
    name: 'UTF-16LE with a byte-order mark',
    body: (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]),
  },
  {
    name: 'UTF-16BE with a byte-order mark',
    body: (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(t)]),
  },
  { name: 'UTF-16LE without a mark or charset', body: (t) => Buffer.from(t, 'utf16le') },
  { name: 'UTF-16BE without a mark or charset', body: (t) => utf16be(t) },
  {
    name: 'UTF-16 named by the content type',
    body: (t) => Buffer.from(t, 'utf16le'),
    headers: { 'content-type': 'application/json;charset=utf-16le' },
  },
];

describe('every adapter on re-encoded bodies', () => {
  for (const { vendor, name, body } of allFixtures()) {
    const text = body.toString('utf8').replace(/^\ufeff/, '');
    const expected = withoutIds(adapters[vendor].parse(text, context()));
    for (const v of variants) {
      it(`${vendor}: ${name} in ${v.name} reads as in UTF-8`, () => {
        const r = adapters[vendor].parse(v.body(text), context(v.headers));
        assert.deepEqual(withoutIds(r), expected);
      });
    }
  }

  it('rejects a body in a charset it does not know, naming the header', () => {
    const r = adapters.amadeus.parse(
      Buffer.from('{"data":[]}'),
      context({ 'content-type': 'application/json; charset=klingon' }),
    );
    assert.deepEqual(r.rejected, [
      { index: -1, reason: 'header content-type: unsupported charset "klingon"' },
    ]);
  });
});
