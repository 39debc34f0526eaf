import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProgram } from './main.js';

describe('the faresight command', () => {
  it('registers every documented command', () => {
    const names = buildProgram().commands.map((c) => c.name());
    for (const n of [
      'up',
      'ingest',
      'lake',
      'realtime',
      'api',
      'etl',
      'sql',
      'customers',
      'graph',
      'catalog',
      'forecast',
      'deals',
      'generate',
      'query',
      'parse',
      'stream',
      'replay',
      'config',
      'vendor-token',
    ]) {
      assert.ok(names.includes(n), `faresight ${n} is not registered`);
    }
  });
});
