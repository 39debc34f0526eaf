import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidObjectKeyError } from '../../errors.js';
import { isValidKey, type ObjectInfo, type ObjectStore } from '../object-store.js';

/** Files `list` stats between two turns of the event loop. */
const STAT_BATCH = 64;

/** Suffix of in-flight writes; readers of the lake never match it (`*.parquet`). */
const TMP_MARK = '.tmp-';

/**
 * An ObjectStore in a local directory. A put writes a temporary file in the target
 * directory, fsyncs it, renames it over the key and fsyncs the directory, so after a
 * crash a key holds either its old or its new content, never a torn file.
 */
export class LocalObjectStore implements ObjectStore {
  readonly location: string;

  /** `root` is created on first write. */
  constructor(root: string) {
    this.location = path.resolve(root);
  }

  private pathOf(key: string): string {
    if (!isValidKey(key) || key.includes(TMP_MARK)) throw new InvalidObjectKeyError(key);
    return path.join(this.location, ...key.split('/'));
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    await mkdirDurable(dir);
    const tmp = tempName(target);
    try {
      try {
        await fs.rename(localPath, tmp);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        await fs.copyFile(localPath, tmp);
        await fs.rm(localPath, { force: true });
      }
      await fsyncPath(tmp, 'r');
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await fsyncPath(dir, 'r');
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    await mkdirDurable(dir);
    const tmp = tempName(target);
    try {
      const fh = await fs.open(tmp, 'wx');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await fsyncPath(dir, 'r');
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await fs.stat(this.pathOf(key))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    // Walk from the deepest directory the prefix names, then filter on the full prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    if (dirKey !== '' && !isValidKey(dirKey)) throw new InvalidObjectKeyError(prefix);
    // One directory at a time, its files stat'ed synchronously, STAT_BATCH at a time
    // between turns of the event loop. A promise per stat and every subdirectory walked
    // at once cost the event loop 2-3 times the CPU, in turns of up to 120-320 ms for a
    // table of 6,900 files (the demo's compaction, ETL jobs and queries list whole tables;
    // its lake writer lists the current hour's partition every rotation), for a listing
    // no faster. Keys come out in the order of the directories' entries.
    let stats = 0;
    const walk = async (dir: string, keyPrefix: string): Promise<ObjectInfo[]> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const found: ObjectInfo[] = [];
      for (const e of entries) {
        const key = keyPrefix + e.name;
        if (e.isDirectory()) {
          if (
            prefix.startsWith(`${key}/`) ||
            `${key}/`.startsWith(prefix) ||
            key.startsWith(prefix)
          )
            for (const o of await walk(path.join(dir, e.name), `${key}/`)) found.push(o);
        } else if (e.isFile() && key.startsWith(prefix) && !e.name.includes(TMP_MARK)) {
          if (++stats % STAT_BATCH === 0) await new Promise<void>((r) => setImmediate(r));
          // gone since the directory was read (a compaction's delete): not listed
          const st = statSync(path.join(dir, e.name), { throwIfNoEntry: false });
          if (st) found.push({ key, size: st.size, modifiedMs: Math.floor(st.mtimeMs) });
        }
      }
      return found;
    };
    return walk(
      dirKey === '' ? this.location : path.join(this.location, ...dirKey.split('/')),
      dirKey === '' ? '' : `${dirKey}/`,
    );
  }

  async delete(key: string): Promise<void> {
    const target = this.pathOf(key);
    await fs.rm(target, { force: true });
    await fsyncPath(path.dirname(target), 'r').catch(() => undefined);
  }
}

function tempName(target: string): string {
  return `${target}${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
}

async function fsyncPath(p: string, flags: string): Promise<void> {
  const fh = await fs.open(p, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** mkdir -p that also fsyncs the parent of every directory it created, so the entries survive a crash. */
async function mkdirDurable(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  let d = dir;
  const created: string[] = [];
  while (d.length >= first.length) {
    created.push(d);
    d = path.dirname(d);
  }
  for (const c of created) await fsyncPath(path.dirname(c), 'r');
}
