import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { configSchema } from '../../config/config.js';
import { ConsoleInputError } from '../../console/console-backend.js';
import { openLake } from './lake.js';
import { exportSql } from './sql-export.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-sql-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function text(s: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString();
}

describe('exportSql', () => {
  it('streams CSV and Parquet of every row; bad SQL fails before any byte', async () => {
    const lake = await openLake(configSchema.parse({ dataDir: dir }));
    try {
      const csv = await text(await exportSql(lake, 'SELECT i FROM range(3000) t(i)', 'csv'));
      const lines = csv.trim().split('\n');
      assert.equal(lines[0], 'i');
      assert.equal(lines.length, 3001);
      const pq = await text(await exportSql(lake, 'SELECT 1 AS one', 'parquet'));
      assert.equal(pq.slice(0, 4), 'PAR1');
      await assert.rejects(exportSql(lake, 'SELEC nope', 'csv'), ConsoleInputError);
    } finally {
      await lake.close();
    }
  });

  it('stops reading the result when the download is closed half way', async () => {
    const lake = await openLake(configSchema.parse({ dataDir: dir }));
    let settled: (err?: Error) => void = () => {};
    const ended = new Promise<Error | undefined>((r) => {
      settled = r;
    });
    const out = await exportSql(lake, 'SELECT i FROM range(5000000) t(i)', 'csv', (e) =>
      settled(e),
    );
    for await (const _chunk of out) break; // the client goes away after one chunk
    assert.equal(out.destroyed, true);
    // a writer left waiting for 'drain' would never end, holding the result open
    assert.match((await ended)?.message ?? '', /download closed|premature close/i);
    await lake.close();
  });
});
