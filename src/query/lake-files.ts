/**
 * Where the query engine finds a lake table's files. The default reads a local lake
 * directory; a remote lake (S3) plugs in its own implementation that fetches the files
 * a query needs into a local cache.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { visibleFiles } from '../lake/compaction/visible-files.js';
import { LocalObjectStore } from '../lake/object-store/local/local-object-store.js';
import type { LakeTable } from '../lake/tables.js';

export interface LakeFiles {
  /**
   * Paths (or URLs the engine reads) of the files that hold `table`'s rows now, each row
   * in exactly one file, in a Hive layout (`.../vendor=/dt=/hour=/<file>`); empty when the
   * table has none. Called before every query that names `table`.
   */
  files(table: LakeTable): Promise<string[]>;
}

/** LakeFiles of a lake in a local directory: the visible files (compaction manifests honoured). */
export class LocalLakeFiles implements LakeFiles {
  private readonly store: LocalObjectStore;

  constructor(root: string) {
    this.store = new LocalObjectStore(root);
  }

  async files(table: LakeTable): Promise<string[]> {
    return (await visibleFiles(this.store, table)).map((o) =>
      path.join(this.store.location, ...o.key.split('/')),
    );
  }
}

/**
 * The files of several tiers of one lake (the lake and its archive), read as one table.
 * A partition is in exactly one tier at a time (the lifecycle moves it by one rename), so
 * no row is listed twice.
 */
export class TieredLakeFiles implements LakeFiles {
  constructor(private readonly tiers: readonly LakeFiles[]) {}

  async files(table: LakeTable): Promise<string[]> {
    const all = await Promise.all(this.tiers.map((t) => t.files(table)));
    return all.flat();
  }
}

/**
 * LakeFiles of a directory that holds only files to read, such as a cache checkout of the
 * visible files of a remote lake: every `.parquet` under `<root>/<table>/`, no manifest
 * logic (a compacted file there is read even though no manifest sits beside it).
 */
export class DirectoryLakeFiles implements LakeFiles {
  constructor(private readonly root: string) {}

  async files(table: LakeTable): Promise<string[]> {
    const dir = path.join(this.root, table);
    let names: string[];
    try {
      names = (await fs.readdir(dir, { recursive: true })) as string[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith('.parquet') && !path.basename(n).includes('.tmp-'))
      .sort()
      .map((n) => path.join(dir, n));
  }
}
