/** Growing the embedded stream from 4 to 8 shards while it is appended to and read. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EmbeddedStream } from '../embedded/embedded-stream.js';
import { runStreamSuite } from '../stream-suite.js';
import { FileGenerationLog } from './generation-log.js';
import { GenerationalStream } from './generational-stream.js';
import { assertSealKeepsAndRefuses, runReshardSuite } from './reshard-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-gen-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function openEmbedded(name: string) {
  return async () =>
    new GenerationalStream({
      name,
      shards: 4,
      log: new FileGenerationLog(join(dir, `${name}.generations.json`)),
      open: async (n, shards) => {
        const s = new EmbeddedStream({
          dir,
          name: n,
          shards,
          retentionMs: 86_400_000,
          dedupeWindowMs: 60_000,
          trimIntervalMs: 0,
        });
        await s.connect();
        return s;
      },
    });
}

// a stream never resharded keeps the whole stream contract through the generations layer
runStreamSuite({
  name: 'generational over embedded, one generation',
  create: async (o) =>
    new GenerationalStream({
      name: o.name,
      shards: o.shards,
      log: new FileGenerationLog(join(dir, `${o.name}.generations.json`)),
      open: async (n, shards) => {
        const s = new EmbeddedStream({ dir, ...o, name: n, shards, trimIntervalMs: 0 });
        await s.connect();
        return s;
      },
    }),
});

describe('GenerationalStream on the embedded stream', () => {
  runReshardSuite(openEmbedded('reshard'));

  it('a sealed embedded stream refuses appends and keeps what it had', async () => {
    const s = new EmbeddedStream({
      dir,
      name: 'sealed',
      shards: 2,
      retentionMs: 86_400_000,
      dedupeWindowMs: 0,
      writerThread: false,
    });
    await s.connect();
    await assertSealKeepsAndRefuses(s);
    await s.close();
  });
});
