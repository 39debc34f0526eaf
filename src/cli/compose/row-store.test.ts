import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSchema } from '../../config/config.js';
import { silentLogger } from '../../ops/logger.js';
import { recordingLogger } from '../../ops/testing/recording-logger.js';
import { DEFAULT_SHARED_BUFFERS_MB } from '../../sql/pglite/pglite-settings.js';
import { templatePath } from '../../sql/pglite/pglite-template.js';
import { openRowStore } from './row-store.js';

const root = mkdtempSync(join(tmpdir(), 'faresight-rowstore-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('openRowStore on PGlite', () => {
  // A buffer PGlite has used stays in the WebAssembly memory (and so in the process's
  // RSS) until the process ends: PostgreSQL's 128 MB were 159 MB of the demo's RSS.
  it('holds shared_buffers to DEFAULT_SHARED_BUFFERS_MB, or to rowStore.sharedBuffersMb', async () => {
    const shown = async (name: string, config: Record<string, unknown>) => {
      const dataDir = join(root, name);
      const store = await openRowStore(configSchema.parse({ dataDir, ...config }), silentLogger);
      try {
        const [row] = await store.client.query<{ shared_buffers: string }>('SHOW shared_buffers');
        return row?.shared_buffers;
      } finally {
        await store.close();
      }
    };
    assert.equal(DEFAULT_SHARED_BUFFERS_MB, 32);
    assert.equal(await shown('default', {}), '32MB');
    assert.equal(await shown('set', { rowStore: { sharedBuffersMb: 12 } }), '12MB');
  });

  it('says how a new store was made: from the template, or by initdb with a warning and why', async () => {
    const open = async () => {
      const lines: string[] = [];
      const store = await openRowStore(
        configSchema.parse({ dataDir: join(root, 'origin') }),
        recordingLogger(lines),
      );
      await store.close();
      return lines;
    };
    const first = await open();
    const opened = first.find((l) => l.startsWith('info row store open'));
    if (existsSync(templatePath())) {
      assert.match(opened ?? '', /"created":"from the template"/);
      assert.ok(!first.some((l) => l.startsWith('warn')), first.join('\n'));
    } else {
      // sources run before any build: initdb, and the log says so and why
      assert.match(opened ?? '', /"created":"by initdb"/);
      assert.ok(first.some((l) => /^warn initdb made the new row store.*no template at/.test(l)));
    }
    const again = await open();
    assert.doesNotMatch(again.find((l) => l.startsWith('info row store open')) ?? '', /created/);
  });
});
