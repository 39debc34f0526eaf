/**
 * Making the empty row store template at build time (`scripts/build.mjs`); apart from
 * pglite-template.ts, which reads it, because this one loads PGlite.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { templatePath } from './pglite-template.js';

/**
 * Writes the template at `path` unless it is there (build time): an in-memory PGlite after
 * initdb and a checkpoint, dumped as a gzipped tar. Other versions' templates beside it
 * are removed. Returns whether it wrote one.
 */
export async function ensureTemplate(path = templatePath()): Promise<boolean> {
  if (existsSync(path)) return false;
  mkdirSync(dirname(path), { recursive: true });
  for (const old of readdirSync(dirname(path)))
    if (old.endsWith('.tar.gz')) rmSync(join(dirname(path), old), { force: true });
  const db = await PGlite.create();
  try {
    await db.exec('CHECKPOINT');
    const dump = await db.dumpDataDir('gzip');
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, path);
  } finally {
    await db.close();
  }
  return true;
}
