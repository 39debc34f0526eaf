import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Replaces partitions `<column>=<key>` of `tableDir` with those built in `stagedDir`, one
 * directory rename each: the old directory is renamed aside, the new one renamed in, the
 * old one deleted. A key with no staged directory (the job produced no rows for it) has
 * its partition removed. Readers see either the old or the new partition, except for the
 * instant between the two renames. Leftover `.old-*` / `.tmp-*` directories of a crashed
 * run are removed first. Removes `stagedDir` when done.
 */
export async function swapPartitions(
  tableDir: string,
  column: string,
  keys: readonly string[],
  stagedDir: string,
  token: string,
): Promise<void> {
  await fs.mkdir(tableDir, { recursive: true });
  for (const name of await fs.readdir(tableDir)) {
    if (name.startsWith('.old-'))
      await fs.rm(path.join(tableDir, name), { recursive: true, force: true });
  }
  for (const key of keys) {
    const part = `${column}=${key}`;
    const finalDir = path.join(tableDir, part);
    const staged = path.join(stagedDir, part);
    const aside = path.join(tableDir, `.old-${token}-${part}`);
    const hasOld = await exists(finalDir);
    if (hasOld) await fs.rename(finalDir, aside);
    if (await exists(staged)) await fs.rename(staged, finalDir);
    if (hasOld) await fs.rm(aside, { recursive: true, force: true });
  }
  await fs.rm(stagedDir, { recursive: true, force: true });
}

/** Removes staging directories (`.tmp-*`) left by runs that died; call before a run starts. */
export async function removeStaleStaging(tableDir: string): Promise<void> {
  for (const name of await fs.readdir(tableDir).catch(() => [] as string[])) {
    if (name.startsWith('.tmp-'))
      await fs.rm(path.join(tableDir, name), { recursive: true, force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}
