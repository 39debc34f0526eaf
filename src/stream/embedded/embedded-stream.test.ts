import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runStreamSuite } from '../stream-suite.js';
import { EmbeddedStream } from './embedded-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'faresight-embedded-suite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runStreamSuite({
  name: 'embedded',
  create: async (o) => new EmbeddedStream({ dir, ...o, trimIntervalMs: 0 }),
  destroy: async (name) => {
    for (const suffix of ['.db', '.db-wal', '.db-shm'])
      rmSync(join(dir, `${name}${suffix}`), { force: true });
  },
});
