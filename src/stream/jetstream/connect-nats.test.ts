import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { StreamUnavailableError } from '../errors.js';
import { connectNats } from './connect-nats.js';

/** A port nothing listens on (taken from the OS, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

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
