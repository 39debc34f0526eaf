/**
 * The input side of incremental runs: the lake partitions of a table with a fingerprint
 * of their files (name, size, mtime), so that a run can tell which partitions are new or
 * changed since the last one. Reads the local lake directory, as its readers see it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { listPartitions } from '../lake/compaction/visible-files.js';
import { LocalObjectStore } from '../lake/object-store/local/local-object-store.js';
import type { LakeTable } from '../lake/tables.js';

/** A partition directory's prefix: `<table>/vendor=<v>/dt=<YYYY-MM-DD>/hour=<HH>/`. */
const PARTITION_DIR = /^[^/]+\/vendor=[^/]+\/dt=(\d{4}-\d{2}-\d{2})\/hour=[^/]+\/$/;

/** One `vendor=/dt=/hour=` directory of a lake table. */
export interface InputPartition {
  /** `<table>/vendor=<v>/dt=<d>/hour=<h>`, the watermark key. */
  readonly key: string;
  readonly table: LakeTable;
  /** `YYYY-MM-DD`. */
  readonly dt: string;
  /** Absolute paths of the `.parquet` files its readers see, sorted. */
  readonly files: readonly string[];
  /** sha1 of every file's name, size and mtime. */
  readonly fingerprint: string;
}

/**
 * Every partition of `table` under `lakeRoot` holding at least one Parquet file, with the
 * files a reader sees (visible-files.ts): the sources a compaction merged are left out
 * once its manifest is in, so a run never reads a row twice.
 */
export async function listInputPartitions(
  lakeRoot: string,
  table: LakeTable,
): Promise<InputPartition[]> {
  const out: InputPartition[] = [];
  const store = new LocalObjectStore(lakeRoot);
  for (const part of await listPartitions(store, `${table}/`)) {
    const m = PARTITION_DIR.exec(part.prefix);
    if (!m || part.visible.length === 0) continue;
    const files = part.visible.map((o) => path.join(lakeRoot, ...o.key.split('/'))).sort();
    const hash = createHash('sha1');
    for (const f of files) {
      const st = await fs.stat(f).catch(() => undefined);
      if (st) hash.update(`${path.basename(f)}:${st.size}:${Math.trunc(st.mtimeMs)}\n`);
    }
    out.push({
      key: part.prefix.slice(0, -1),
      table,
      dt: m[1]!,
      files,
      fingerprint: hash.digest('hex'),
    });
  }
  return out;
}
