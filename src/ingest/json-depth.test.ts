import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonDepthExceeds } from './json-depth.js';

const depth = (json: string, limit: number) => jsonDepthExceeds(Buffer.from(json), limit);
const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects up to the limit, and stops past it', () => {
    assert.equal(depth(nested(5), 5), false);
    assert.equal(depth(nested(6), 5), true);
    assert.equal(depth(`{"a":{"b":[{"c":[1]}]}}`, 5), false);
    assert.equal(depth(`{"a":{"b":[{"c":[[1]]}]}}`, 5), true);
    assert.equal(depth('['.repeat(1_000_000), 64), true);
    // siblings do not add up
    assert.equal(depth(`[${'[[1]],{"a":[2]},'.repeat(100)}0]`, 3), false);
  });

  it('skips brackets inside strings, escaped quotes and escaped backslashes included', () => {
    assert.equal(depth(`{"a":"[[[[{{{{"}`, 1), false);
    assert.equal(depth(`{"a":"\\"[[[[","b":1}`, 1), false);
    // a string ending in an escaped backslash ends at the next quote
    assert.equal(depth(`{"a":"x\\\\","b":[[1]]}`, 2), true);
    assert.equal(depth(`{"a":"x\\\\","b":"[[["}`, 1), false);
    assert.equal(depth(`{"a":"\\u005b[","b":[1]}`, 2), false);
  });

  it('reads NDJSON line by line as one text, and an unterminated string to its end', () => {
    assert.equal(depth(`${'{"a":[1]}\n'.repeat(50)}`, 2), false);
    assert.equal(depth(`{"a":[1]}\n{"b":[[1]]}\n`, 2), true);
    assert.equal(depth(`{"a":"[[[[[`, 1), false);
    assert.equal(depth(`{"a":"x\\`, 1), false);
  });
});
