import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { openEmbeddedLeaseStore } from '../embedded/embedded-lease-sql.js';
import { EmbeddedStream } from '../embedded/embedded-stream.js';
import { runLeaseStoreSuite } from './lease-store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-lease-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SqlLeaseStore on SQLite (embedded stream database)', () => {
  let created = false;
  runLeaseStoreSuite(async () => {
    if (!created) {
      const s = new EmbeddedStream({
        dir,
        name: 'ls',
        shards: 5,
        retentionMs: 3_600_000,
        dedupeWindowMs: 0,
        trimIntervalMs: 0,
        writerThread: false,
      });
      await s.connect();
      await s.close();
      created = true;
    }
    return openEmbeddedLeaseStore(dir, 'ls');
  }, 'ls');
});
