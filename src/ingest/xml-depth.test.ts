import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xmlDepthExceeds } from './xml-depth.js';

const nested = (n: number, inner = '') => `${'<a>'.repeat(n)}${inner}${'</a>'.repeat(n)}`;
const depth = (xml: string | Buffer, limit: number) =>
  xmlDepthExceeds(typeof xml === 'string' ? Buffer.from(xml) : xml, limit);

describe('xmlDepthExceeds', () => {
  it('counts nested elements up to the limit, and stops past it', () => {
    assert.equal(depth(nested(5), 5), false);
    assert.equal(depth(nested(6), 5), true);
    assert.equal(depth('<a>'.repeat(1_000_000), 64), true);
  });

  it('counts a self-closing element at its depth, and no siblings, declarations, comments or CDATA', () => {
    const siblings = `<?xml version="1.0"?><!-- <x><x><x> --><r>${'<b x="1"/><c>t</c>'.repeat(100)}</r>`;
    assert.equal(depth(siblings, 2), false);
    assert.equal(depth(`<r><![CDATA[<a><a><a><a>]]><!DOCTYPE r></r>`, 1), false);
    assert.equal(depth(`<r a="/>" b='<a><a>'><s/></r>`, 2), false);
    assert.equal(depth(`<r a="/>" b='<a><a>'><s><t/></s></r>`, 2), true);
  });

  it('reads UTF-16 payloads, with or without a byte-order mark', () => {
    const le = Buffer.from(`\ufeff${nested(10, '\u4e3c')}`, 'utf16le');
    assert.equal(depth(le, 10), false);
    assert.equal(depth(le, 9), true);
    const bare = Buffer.from(nested(10, '\u3c3c'), 'utf16le');
    assert.equal(depth(bare, 10), false);
    assert.equal(depth(bare, 9), true);
    const be = Buffer.from(Buffer.from(`\ufeff${nested(10)}`, 'utf16le').swap16());
    assert.equal(depth(be, 10), false);
    assert.equal(depth(be, 9), true);
  });
});
