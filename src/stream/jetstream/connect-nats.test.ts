import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../../ops/testing/ports.js';
import { StreamUnavailableError } from '../errors.js';
import { connectNats } from './connect-nats.js';

describe('connectNats', () => {
  it('names the servers and what to check when nothing listens, not a bare code', async () => {
    const servers = `nats://127.0.0.1:${await freePort()}`;
    await assert.rejects(connectNats(servers, 'test'), (err: Error) => {
      assert.ok(err instanceof StreamUnavailableError, err.name);
      assert.match(err.message, new RegExp(`^cannot connect to NATS at ${servers}: `));
      assert.match(err.message, /CONNECTION_REFUSED/);
      assert.match(err.message, /is nats-server running .*stream\.servers/);
      return true;
    });
  });
});
