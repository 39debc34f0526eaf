import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storageFailure } from './storage-failure.js';

test("storageFailure names the storage faults and leaves the records' faults alone", () => {
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), {
    code: 'ENOSPC',
  });
  assert.equal(storageFailure(enospc), 'ENOSPC');
  assert.equal(storageFailure(new Error('wrapped', { cause: enospc })), 'ENOSPC');
  assert.equal(
    storageFailure(new Error('IO Error: Could not write file "x": No space left on device')),
    'ENOSPC',
  );
  assert.equal(storageFailure(new Error('IO Error: Could not read from file "x"')), 'IO');
  assert.equal(storageFailure(new Error('Out of Memory Error: failed to allocate')), 'IO');
  assert.equal(storageFailure(new Error('Conversion Error: Could not convert "x"')), undefined);
  assert.equal(storageFailure(new Error('Invalid Input Error: Malformed JSON')), undefined);
  assert.equal(storageFailure('ENOSPC'), undefined);
});
