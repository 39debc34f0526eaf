import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runStreamSuite } from '../stream-suite.js';
import { EmbeddedStream } from './embedded-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'faresight-embedded-suite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const destroy = (sub: string) => async (name: string) => {
  for (const suffix of ['.db', '.db-wal', '.db-shm'])
    rmSync(join(dir, sub, `${name}${suffix}`), { force: true });
};

// the default: group commits on the writer thread
runStreamSuite({
  name: 'embedded',
  create: async (o) => new EmbeddedStream({ dir: join(dir, 'thread'), ...o, trimIntervalMs: 0 }),
  destroy: destroy('thread'),
});

// writerThread: false, the same semantics with the transaction on the caller's thread
runStreamSuite({
  name: 'embedded, inline writer',
  create: async (o) =>
    new EmbeddedStream({
      dir: join(dir, 'inline'),
      ...o,
      trimIntervalMs: 0,
      writerThread: false,
    }),
  destroy: destroy('inline'),
});
