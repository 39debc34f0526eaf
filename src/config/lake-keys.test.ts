import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from './config.js';

test('a zstd level zstd does not have is refused in the config, naming the key', () => {
  for (const bad of [0, 23, 1.5]) {
    assert.throws(
      () => configSchema.parse({ lake: { compressionLevel: bad } }),
      /compressionLevel/,
    );
    assert.throws(
      () => configSchema.parse({ lake: { compactCompressionLevel: bad } }),
      /compactCompressionLevel/,
    );
  }
});

test('the lake writes at zstd level 1 and compacts at level 9 by default', () => {
  assert.equal(configSchema.parse({}).lake.compressionLevel, 1);
  assert.equal(configSchema.parse({}).lake.compactCompressionLevel, 9);
  assert.equal(configSchema.parse({}).lake.rotateBytes, 128 * 1024 * 1024);
});
