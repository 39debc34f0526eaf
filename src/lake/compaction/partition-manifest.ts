/**
 * The manifest of a compacted partition, `_manifest.json` in the partition directory.
 * It lists the compacted files (`c-<hash>.parquet`) and the stream ranges each holds.
 * Replacing it is the one atomic step of a compaction: before, readers use the small
 * files; after, the compacted files, and every small file whose range a compacted file
 * covers is ignored (then deleted). Engines that glob the directory skip it (Hive and
 * Athena ignore names starting with `_`).
 */
import { ManifestFormatError } from '../errors.js';
import type { SeqRange } from '../lake-layout.js';
import type { ObjectStore } from '../object-store/object-store.js';

/** Name of the manifest inside a partition directory. */
export const MANIFEST_NAME = '_manifest.json';
const MANIFEST_FORMAT = 1;

/** One compacted file and the stream ranges (per shard, inclusive) whose rows it holds. */
export interface ManifestFile {
  /** File name within the partition directory. */
  readonly name: string;
  readonly ranges: readonly SeqRange[];
  readonly rows: number;
  readonly bytes: number;
}

export interface PartitionManifest {
  readonly format: number;
  /** ISO instant of the compaction that wrote it. */
  readonly createdAt: string;
  readonly files: readonly ManifestFile[];
}

/** The manifest of the partition at `prefix` (ending in `/`), or undefined when it has none. */
export async function readManifest(
  store: ObjectStore,
  prefix: string,
): Promise<PartitionManifest | undefined> {
  const key = prefix + MANIFEST_NAME;
  const body = await store.get(key);
  if (body === undefined) return undefined;
  let m: PartitionManifest;
  try {
    m = JSON.parse(Buffer.from(body).toString('utf8')) as PartitionManifest;
  } catch (err) {
    throw new ManifestFormatError(key, `not JSON (${(err as Error).message})`);
  }
  if (m?.format !== MANIFEST_FORMAT || !Array.isArray(m.files))
    throw new ManifestFormatError(key, `unknown format ${String(m?.format)}`);
  return m;
}

/** Replaces the manifest of the partition at `prefix`, atomically and durably. */
export async function writeManifest(
  store: ObjectStore,
  prefix: string,
  files: readonly ManifestFile[],
  now: number,
): Promise<void> {
  const m: PartitionManifest = {
    format: MANIFEST_FORMAT,
    createdAt: new Date(now).toISOString(),
    files,
  };
  await store.put(prefix + MANIFEST_NAME, Buffer.from(`${JSON.stringify(m)}\n`));
}

/**
 * Sorts ranges by shard and first seq and merges overlapping ones, so that they can be
 * used as the covered ranges of one shard (`uncoveredRuns`).
 */
export function mergeRanges(ranges: readonly SeqRange[]): SeqRange[] {
  const sorted = [...ranges].sort((a, b) => a.shard - b.shard || a.first - b.first);
  const out: SeqRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.shard === r.shard && r.first <= last.last + 1) {
      if (r.last > last.last) out[out.length - 1] = { ...last, last: r.last };
    } else out.push(r);
  }
  return out;
}

/** True when `r` lies inside one of `covered` (merged, as mergeRanges returns them). */
export function isCovered(r: SeqRange, covered: readonly SeqRange[]): boolean {
  return covered.some((c) => c.shard === r.shard && c.first <= r.first && r.last <= c.last);
}
