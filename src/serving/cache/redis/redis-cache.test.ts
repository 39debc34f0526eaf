import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort as closedPort } from '../../../ops/testing/ports.js';
import { RedisCache } from './redis-cache.js';

test('a Redis that is down is named with its address, the cause and what to check', async () => {
  const port = await closedPort();
  const cache = new RedisCache({ url: `redis://127.0.0.1:${port}` });
  try {
    await assert.rejects(
      cache.connect(),
      new RegExp(
        `^Error: Redis at 127\\.0\\.0\\.1:${port} is not answering \\(connect ECONNREFUSED [^)]+\\): is the server running, and is cache\\.url right\\?$`,
      ),
    );
  } finally {
    await cache.close();
  }
});

test('a command while Redis is down names the server, not only what ioredis says', async () => {
  const port = await closedPort();
  const cache = new RedisCache({ url: `redis://127.0.0.1:${port}` });
  try {
    await cache.connect().catch(() => {});
    const named = new RegExp(`^Error: Redis at 127\\.0\\.0\\.1:${port} is not answering \\(`);
    await assert.rejects(cache.get('k'), named);
    await assert.rejects(cache.set('k', 'v', 10), named);
    await assert.rejects(cache.versions(['s']), named);
    await assert.rejects(cache.bump(['s']), named);
  } finally {
    await cache.close();
  }
});
