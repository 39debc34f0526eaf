/**
 * The input side of incremental runs: the lake partitions of a table with a fingerprint
 * of their files (name, size, mtime), so that a run can tell which partitions are new or
 * changed since the last one. Reads the local lake directory.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { LakeTable } from '../lake/tables.js';

/** One `vendor=/dt=/hour=` directory of a lake table. */
export interface InputPartition {
  /** `<table>/vendor=<v>/dt=<d>/hour=<h>`, the watermark key. */
  readonly key: string;
  readonly table: LakeTable;
  /** `YYYY-MM-DD`. */
  readonly dt: string;
  /** Absolute paths of its `.parquet` files, sorted. */
  readonly files: readonly string[];
  /** sha1 of every file's name, size and mtime. */
  readonly fingerprint: string;
}

async function dirs(dir: string, prefix: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && e.name.startsWith(prefix)).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Every partition of `table` under `lakeRoot` holding at least one Parquet file. */
export async function listInputPartitions(
  lakeRoot: string,
  table: LakeTable,
): Promise<InputPartition[]> {
  const out: InputPartition[] = [];
  const root = path.join(lakeRoot, table);
  for (const vendor of await dirs(root, 'vendor=')) {
    for (const dt of await dirs(path.join(root, vendor), 'dt=')) {
      for (const hour of await dirs(path.join(root, vendor, dt), 'hour=')) {
        const dir = path.join(root, vendor, dt, hour);
        const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.parquet')).sort();
        if (names.length === 0) continue;
        const hash = createHash('sha1');
        for (const n of names) {
          const st = await fs.stat(path.join(dir, n)).catch(() => undefined);
          if (st) hash.update(`${n}:${st.size}:${Math.trunc(st.mtimeMs)}\n`);
        }
        out.push({
          key: `${table}/${vendor}/${dt}/${hour}`,
          table,
          dt: dt.slice(3),
          files: names.map((n) => path.join(dir, n)),
          fingerprint: hash.digest('hex'),
        });
      }
    }
  }
  return out;
}
