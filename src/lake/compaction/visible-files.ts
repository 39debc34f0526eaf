/**
 * Which files of the lake hold its rows right now: the small files the writer wrote,
 * except those a compacted file covers, plus the compacted files the partition's
 * manifest lists. Every reader of the lake that must see each row exactly once (the
 * query engine, the writer's exactly-once check, the compactor) goes through here; an
 * engine globbing `*.parquet` may see rows twice for the grace period of a compaction.
 */
import { parseFileName, type SeqRange } from '../lake-layout.js';
import type { ObjectInfo, ObjectStore } from '../object-store/object-store.js';
import {
  isCovered,
  MANIFEST_NAME,
  type ManifestFile,
  mergeRanges,
  readManifest,
} from './partition-manifest.js';

/** The files of one partition directory, resolved against its manifest. */
export interface PartitionFiles {
  /** Key prefix of the partition, ending in `/`. */
  readonly prefix: string;
  /** Files a reader reads: uncovered small files and the manifest's compacted files. */
  readonly visible: readonly ObjectInfo[];
  /** Stream ranges the visible files hold, merged per shard. */
  readonly covered: readonly SeqRange[];
  /** The manifest's entries (empty when the partition was never compacted). */
  readonly compacted: readonly ManifestFile[];
  /** Files present but superseded: small files a compacted file covers, unlisted compacted files. */
  readonly obsolete: readonly ObjectInfo[];
}

function dirOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/**
 * Resolves one partition. `listed` are the objects listed under `prefix` (listed before
 * the manifest is read: a compaction writes its file, then the manifest, then deletes
 * the sources, so listing first never loses rows).
 */
export async function resolvePartition(
  store: ObjectStore,
  prefix: string,
  listed: readonly ObjectInfo[],
): Promise<PartitionFiles> {
  const hasManifest = listed.some((o) => o.key === prefix + MANIFEST_NAME);
  const manifest = hasManifest ? await readManifest(store, prefix) : undefined;
  const compacted = manifest?.files ?? [];
  const compactedRanges = mergeRanges(compacted.flatMap((f) => f.ranges));
  const listedNames = new Set(compacted.map((f) => f.name));
  const byKey = new Map(listed.map((o) => [o.key, o]));
  // Listed entries carry the store's flags (archived); a file listed only in the manifest
  // (written after the listing) is visible all the same.
  const visible: ObjectInfo[] = compacted.map(
    (f) => byKey.get(prefix + f.name) ?? { key: prefix + f.name, size: f.bytes },
  );
  const obsolete: ObjectInfo[] = [];
  const ranges: SeqRange[] = compacted.flatMap((f) => f.ranges);
  for (const o of listed) {
    const name = o.key.slice(prefix.length);
    if (name.includes('/') || !name.endsWith('.parquet')) continue;
    const range = parseFileName(name);
    if (range && name === `${range.shard}-${range.first}-${range.last}.parquet`) {
      if (isCovered(range, compactedRanges)) obsolete.push(o);
      else {
        visible.push(o);
        ranges.push(range);
      }
    } else if (!listedNames.has(name) && name.startsWith('c-')) obsolete.push(o);
  }
  return { prefix, visible, covered: mergeRanges(ranges), compacted, obsolete };
}

/** Every partition under `prefix` (a table, `offers/`, or a partition), resolved. */
export async function listPartitions(
  store: ObjectStore,
  prefix: string,
): Promise<PartitionFiles[]> {
  const byDir = new Map<string, ObjectInfo[]>();
  for (const o of await store.list(prefix)) {
    const dir = dirOf(o.key);
    const list = byDir.get(dir);
    if (list) list.push(o);
    else byDir.set(dir, [o]);
  }
  const out: PartitionFiles[] = [];
  for (const [dir, listed] of [...byDir].sort(([a], [b]) => (a < b ? -1 : 1)))
    out.push(await resolvePartition(store, dir, listed));
  return out;
}

/** Keys of the files a reader of `table` reads now (see listPartitions), sorted. */
export async function visibleFiles(store: ObjectStore, table: string): Promise<ObjectInfo[]> {
  const parts = await listPartitions(store, `${table}/`);
  return parts.flatMap((p) => p.visible).sort((a, b) => (a.key < b.key ? -1 : 1));
}
