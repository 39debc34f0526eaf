/**
 * Which files of the lake hold its rows right now: the small files the writer wrote,
 * except those a compacted file covers, plus the compacted files the partition's
 * manifest lists. Every reader of the lake that must see each row exactly once (the
 * query engine, the writer's exactly-once check, the compactor) goes through here; an
 * engine globbing `*.parquet` may see rows twice for the grace period of a compaction.
 *
 * Writers sharing shards by lease name their files with the lease epoch. Should two files
 * of one shard overlap (a former owner that was paused exactly between its fencing check
 * and its publish), the file of the higher epoch wins and the other is obsolete; so does a
 * file partly inside a compacted file's ranges. The writer of the higher epoch never
 * relies on what such a file held (see unstored-groups.ts), so each row stays once.
 */
import { fileName, parseFileName, type SeqRange } from '../lake-layout.js';
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
  /** The same, one per visible file (writer files with their epoch), unmerged. */
  readonly ranges: readonly SeqRange[];
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
  const written: { o: ObjectInfo; range: SeqRange }[] = [];
  for (const o of listed) {
    const name = o.key.slice(prefix.length);
    if (name.includes('/') || !name.endsWith('.parquet')) continue;
    const range = parseFileName(name);
    if (range && name === fileName(range)) {
      if (isCovered(range, compactedRanges)) obsolete.push(o);
      else if (range.epoch !== undefined && overlaps(range, compactedRanges)) obsolete.push(o);
      else written.push({ o, range });
    } else if (!listedNames.has(name) && name.startsWith('c-')) obsolete.push(o);
  }
  // Highest epoch first (unleased files count as epoch 0); a file overlapping one of a
  // higher epoch loses.
  const epochOf = (r: SeqRange) => r.epoch ?? 0;
  written.sort((a, b) => epochOf(b.range) - epochOf(a.range));
  const kept: SeqRange[] = [];
  for (const { o, range } of written) {
    const higher = kept.filter((k) => epochOf(k) > epochOf(range));
    if (overlaps(range, higher)) obsolete.push(o);
    else {
      kept.push(range);
      visible.push(o);
      ranges.push(range);
    }
  }
  return { prefix, visible, covered: mergeRanges(ranges), ranges, compacted, obsolete };
}

/** True when `r` shares a seq with one of `others` of its shard. */
function overlaps(r: SeqRange, others: readonly SeqRange[]): boolean {
  return others.some((c) => c.shard === r.shard && c.first <= r.last && r.first <= c.last);
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
