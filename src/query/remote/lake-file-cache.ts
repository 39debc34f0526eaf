/**
 * A bounded local copy of lake files from a remote object store, for engines that read
 * local files. Contract:
 *
 * - Entries live at `<dir>/objects/<store id>/<key>`; an entry whose size differs from
 *   the listed object is stale and fetched again (lake files are written once per name;
 *   a rewrite of the same name holds the same records).
 * - Bound: the entries under `<dir>/objects` (every store sharing the directory) total
 *   at most `maxBytes` after every checkout. Room is made by deleting the least recently
 *   used entries (recency = mtime, touched on every use, so processes sharing the
 *   directory share one LRU order); entries held by a running query of this process are
 *   never evicted. A query needing more than the bound gets CacheTooSmallError.
 * - Sharing: downloads go to a temporary name and are renamed into place, so no reader
 *   sees a partial file. A checkout hard-links its files into its own directory, so an
 *   eviction by another process never pulls a file from under a running query (the
 *   linked bytes stay on disk, outside the bound, until that query ends).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  getToFile,
  type ObjectInfo,
  type ObjectStore,
} from '../../lake/object-store/object-store.js';
import { processAlive } from '../../ops/process-alive.js';
import { CacheTooSmallError } from './errors.js';

/** Options of LakeFileCache. */
export interface LakeFileCacheOptions {
  /** Where files are fetched from. */
  store: ObjectStore;
  /** The cache directory, created on first use. */
  dir: string;
  /** Bound on the bytes of cached entries. */
  maxBytes: number;
  /** Downloads at once [4]. */
  concurrency?: number;
}

/** Counters since the cache was opened. */
export interface LakeFileCacheStats {
  /** Files fetched from the store. */
  downloads: number;
  downloadedBytes: number;
  /** Files a checkout found already cached. */
  hits: number;
  /** Entries deleted to make room. */
  evictions: number;
  evictedBytes: number;
}

/** Files held for one query; `release` lets them be evicted and removes the links. */
export interface CheckedOutFiles {
  /**
   * A directory holding the files at their keys (`<root>/<key>`), for this query only.
   * It is named `lake`, so its parent is a data directory as the local engine expects.
   */
  readonly root: string;
  release(): Promise<void>;
}

const DOWNLOAD_MARK = '.dl-';

/** See the module comment. One instance per process and directory is enough; it is safe to have several. */
export class LakeFileCache {
  private readonly objectsDir: string;
  private readonly storeDir: string;
  private readonly queriesDir: string;
  private readonly pins = new Map<string, number>();
  private readonly counters: LakeFileCacheStats = {
    downloads: 0,
    downloadedBytes: 0,
    hits: 0,
    evictions: 0,
    evictedBytes: 0,
  };
  private lock: Promise<unknown> = Promise.resolve();
  private swept = false;

  constructor(private readonly options: LakeFileCacheOptions) {
    const dir = path.resolve(options.dir);
    this.objectsDir = path.join(dir, 'objects');
    const storeId = createHash('sha256').update(options.store.location).digest('hex').slice(0, 16);
    this.storeDir = path.join(this.objectsDir, storeId);
    this.queriesDir = path.join(dir, 'queries');
  }

  stats(): LakeFileCacheStats {
    return { ...this.counters };
  }

  /** Bytes of the complete entries now cached (all stores sharing the directory). */
  async usedBytes(): Promise<number> {
    return (await this.entries()).reduce((n, e) => n + e.size, 0);
  }

  /**
   * Makes `objects` (as listed by the store) available locally and holds them until
   * `release`. Throws CacheTooSmallError when they cannot fit in the bound beside the
   * files other running queries of this process hold; store errors pass through.
   */
  async checkout(objects: readonly ObjectInfo[]): Promise<CheckedOutFiles> {
    const unique = [...new Map(objects.map((o) => [o.key, o])).values()];
    const needed = unique.reduce((n, o) => n + o.size, 0);
    if (needed > this.options.maxBytes)
      throw new CacheTooSmallError(needed, this.options.maxBytes, unique.length);
    const run = this.lock.then(() => this.fetch(unique));
    this.lock = run.catch(() => undefined);
    await run;
    const queryDir = path.join(this.queriesDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
    const root = path.join(queryDir, 'lake');
    try {
      for (const o of unique) await this.link(o, path.join(root, ...o.key.split('/')));
    } catch (err) {
      this.unpin(unique);
      await fs.rm(queryDir, { recursive: true, force: true });
      throw err;
    }
    let released = false;
    return {
      root,
      release: async () => {
        if (released) return;
        released = true;
        this.unpin(unique);
        await fs.rm(queryDir, { recursive: true, force: true });
      },
    };
  }

  private entryPath(key: string): string {
    return path.join(this.storeDir, ...key.split('/'));
  }

  private unpin(objects: readonly ObjectInfo[]): void {
    for (const o of objects) {
      const p = this.entryPath(o.key);
      const n = (this.pins.get(p) ?? 1) - 1;
      if (n <= 0) this.pins.delete(p);
      else this.pins.set(p, n);
    }
  }

  /** Under the lock: pins every object, evicts to make room, downloads what is missing. */
  private async fetch(objects: readonly ObjectInfo[]): Promise<void> {
    if (!this.swept) {
      this.swept = true;
      await this.sweepDeadQueries();
    }
    const missing: ObjectInfo[] = [];
    const now = new Date();
    for (const o of objects) {
      const p = this.entryPath(o.key);
      const st = await fs.stat(p).catch(() => undefined);
      if (st?.isFile() && st.size === o.size) {
        await fs.utimes(p, now, now).catch(() => undefined);
        this.counters.hits++;
      } else {
        if (st) await fs.rm(p, { force: true });
        missing.push(o);
      }
    }
    for (const o of objects) {
      const p = this.entryPath(o.key);
      this.pins.set(p, (this.pins.get(p) ?? 0) + 1);
    }
    try {
      await this.makeRoom(
        missing.reduce((n, o) => n + o.size, 0),
        objects,
      );
      let next = 0;
      const worker = async () => {
        while (next < missing.length) await this.download(missing[next++]!);
      };
      await Promise.all(Array.from({ length: this.options.concurrency ?? 4 }, worker));
    } catch (err) {
      this.unpin(objects);
      throw err;
    }
  }

  private async makeRoom(incoming: number, objects: readonly ObjectInfo[]): Promise<void> {
    const entries = await this.entries();
    let used = entries.reduce((n, e) => n + e.size, 0);
    if (used + incoming <= this.options.maxBytes) return;
    const evictable = entries
      .filter((e) => !this.pins.has(e.path))
      .sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const e of evictable) {
      if (used + incoming <= this.options.maxBytes) return;
      await fs.rm(e.path, { force: true });
      used -= e.size;
      this.counters.evictions++;
      this.counters.evictedBytes += e.size;
    }
    if (used + incoming > this.options.maxBytes) {
      const ours = new Set(objects.map((o) => this.entryPath(o.key)));
      const heldByOthers = entries
        .filter((e) => this.pins.has(e.path) && !ours.has(e.path))
        .reduce((n, e) => n + e.size, 0);
      throw new CacheTooSmallError(
        objects.reduce((n, o) => n + o.size, 0),
        this.options.maxBytes - heldByOthers,
        objects.length,
      );
    }
  }

  private async download(o: ObjectInfo): Promise<void> {
    const target = this.entryPath(o.key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}${DOWNLOAD_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      // Gone since it was listed (compacted away): the query sees the store as it is now.
      if (!(await getToFile(this.options.store, o.key, tmp))) return;
      await fs.rename(tmp, target);
      const { size } = await fs.stat(target);
      this.counters.downloads++;
      this.counters.downloadedBytes += size;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** Hard-links the cached entry into a query's directory, fetching it again if another process evicted it meanwhile. */
  private async link(o: ObjectInfo, to: string): Promise<void> {
    await fs.mkdir(path.dirname(to), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.link(this.entryPath(o.key), to);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) {
          // A file that vanished from the store while being fetched is simply not read.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw err;
        }
        const run = this.lock.then(() => this.download(o));
        this.lock = run.catch(() => undefined);
        await run;
      }
    }
  }

  /** Complete entries under `objects/`, removing downloads left by dead processes. */
  private async entries(): Promise<{ path: string; size: number; mtimeMs: number }[]> {
    const out: { path: string; size: number; mtimeMs: number }[] = [];
    const walk = async (dir: string): Promise<void> => {
      let list: Dirent[];
      try {
        list = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of list) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (!e.isFile()) continue;
        else if (e.name.includes(DOWNLOAD_MARK)) {
          const pid = Number(e.name.slice(e.name.lastIndexOf(DOWNLOAD_MARK) + 4).split('-')[0]);
          if (!processAlive(pid)) await fs.rm(p, { force: true });
        } else {
          const st = await fs.stat(p).catch(() => undefined);
          if (st) out.push({ path: p, size: st.size, mtimeMs: st.mtimeMs });
        }
      }
    };
    await walk(this.objectsDir);
    return out;
  }

  /** Removes query directories of processes that died without releasing them. */
  private async sweepDeadQueries(): Promise<void> {
    const names = await fs.readdir(this.queriesDir).catch(() => [] as string[]);
    for (const name of names) {
      const pid = Number(name.split('-')[0]);
      if (pid !== process.pid && !processAlive(pid))
        await fs.rm(path.join(this.queriesDir, name), { recursive: true, force: true });
    }
  }
}
