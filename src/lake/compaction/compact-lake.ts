/**
 * Compaction: merges the small files of closed partitions into files of about
 * `targetBytes`, without a reader ever seeing a row twice or missing one.
 *
 * Per partition: (1) write each merged file `c-<hash of its ranges>.parquet` durably;
 * (2) replace the partition's `_manifest.json` (one atomic put) listing the merged files
 * and the stream ranges they hold, from which moment readers (visible-files.ts) read the
 * merged files and ignore the sources; (3) after `graceMs`, so that queries planned on
 * the old file list finish, delete the sources. A crash at any step leaves either the
 * old or the new view; leftovers are deleted by the next run. The lake writer takes the
 * manifest's ranges as already stored, so a replay never re-creates a merged record.
 * Run one compaction at a time per lake.
 *
 * The current hour is merged the same way when asked (`currentHour`): the writer's files
 * listed so far go into a merged file per shard, and files it writes meanwhile are not
 * in the manifest, so they stay visible. Its sources are deleted by the next run, not
 * after this run's grace wait.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../../ops/logger.js';
import { parseFileName, type SeqRange } from '../lake-layout.js';
import { LocalObjectStore } from '../object-store/local/local-object-store.js';
import { getToFile, type ObjectInfo, type ObjectStore } from '../object-store/object-store.js';
import { LAKE_TABLES, type LakeTable } from '../tables.js';
import type { ParquetMerger } from './parquet-merger.js';
import { type ManifestFile, mergeRanges, writeManifest } from './partition-manifest.js';
import { shortHash } from './short-hash.js';
import { listPartitions, type PartitionFiles } from './visible-files.js';

/** Default size a merged file aims at. */
export const DEFAULT_TARGET_BYTES = 128 * 1024 * 1024;
/** Default wait between the manifest swap and deleting the merged sources. */
export const DEFAULT_GRACE_MS = 30_000;
/** Default fewest new writer files the current hour must hold before `currentHour` merges them. */
export const DEFAULT_CURRENT_HOUR_MIN_FILES = 32;
const HOUR_MS = 3_600_000;

/** Row order inside a merged file: stream order, as the writer wrote them. */
const ORDER_BY: Record<LakeTable, readonly string[]> = {
  searches: ['stream_shard', 'stream_seq'],
  offers: ['stream_shard', 'stream_seq', 'offer_index'],
  ingest_stats: ['stream_shard', 'stream_seq'],
  dead_letters: ['stream_shard', 'stream_seq'],
};

export interface CompactOptions {
  store: ObjectStore;
  merger: ParquetMerger;
  /** Local directory for merged files before they are stored (and S3 downloads). */
  stagingDir: string;
  logger: Logger;
  /** Tables to compact; default all. */
  tables?: readonly LakeTable[];
  /**
   * Only partitions whose hour ends at or before this instant (epoch ms) are compacted;
   * never the current hour. Default the start of the current hour.
   */
  before?: number;
  /**
   * A partition with a writer file written less than this long ago (ms) is left for a
   * later run: it is still being written (a backfill writes into hundreds of past hours
   * at once), and merging it now means merging it again. Default 0 (no wait); stores
   * that do not say when an object was written never wait.
   */
  quietMs?: number;
  /**
   * Also merge the current hour's writer files, once it holds `currentHourMinFiles` of
   * them, into a merged file per shard; the files merged before are left as they are
   * (each run merges only what came since), and the close of the hour merges them all
   * into files of `targetBytes`. Readers of the open hour (today's pond builds, queries)
   * then read a few merged files and the last minutes' small files, not one small file per
   * shard and rotation. Default false: only closed partitions.
   */
  currentHour?: boolean;
  /** Default DEFAULT_CURRENT_HOUR_MIN_FILES. */
  currentHourMinFiles?: number;
  /** Default DEFAULT_TARGET_BYTES. Files of at least 3/4 of it are left alone. */
  targetBytes?: number;
  /** Default DEFAULT_GRACE_MS. */
  graceMs?: number;
  now?: () => number;
  /**
   * Stops the run between partitions: no further partition is merged, and without the
   * grace wait nothing is deleted (the next run deletes the merged sources). Default none.
   */
  signal?: AbortSignal;
  /** Called after every manifest swap, before the grace wait (tests use it to interleave). */
  onSwap?: (prefix: string) => Promise<void> | void;
}

/** What a compaction did. */
export interface CompactionReport {
  partitions: number;
  filesIn: number;
  filesOut: number;
  bytesIn: number;
  bytesOut: number;
  rows: number;
  deleted: number;
  /** Merges that needed more than the merger's memory limit and ran again at a higher one. */
  mergesOverLimit: number;
  /** Partitions left as they were, each with why (partition = its prefix, e.g. `offers/vendor=v/dt=d/hour=h/`). */
  left: LeftPartition[];
}

/** Why compaction left a partition alone. */
export type LeaveReason =
  | 'current hour, still being written'
  | 'current hour, too few new files yet'
  | 'not before --before'
  | 'written to within the quiet period, still being written'
  | 'nothing to merge (one small file, or already compacted)';

/** A partition compaction left, and why. */
export interface LeftPartition {
  partition: string;
  reason: LeaveReason;
}

/** End (epoch ms) of the hour partition at `prefix` (`.../dt=YYYY-MM-DD/hour=HH/`). */
function partitionEnd(prefix: string): number | undefined {
  const m = /dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/$/.exec(prefix);
  if (!m) return undefined;
  return Date.parse(`${m[1]}T${m[2]}:00:00.000Z`) + HOUR_MS;
}

/** True when the lake writer wrote one of the partition's visible files after `since` (epoch ms). */
function writtenSince(part: PartitionFiles, since: number): boolean {
  const merged = new Set(part.compacted.map((f) => part.prefix + f.name));
  return part.visible.some(
    (o) => !merged.has(o.key) && o.modifiedMs !== undefined && o.modifiedMs > since,
  );
}

/** Packs files (in name order) into groups of at most `target` bytes; only groups of two or more are worth merging. */
function pack(files: readonly ObjectInfo[], target: number): ObjectInfo[][] {
  const groups: ObjectInfo[][] = [];
  let current: ObjectInfo[] = [];
  let bytes = 0;
  for (const f of [...files].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    if (current.length > 0 && bytes + f.size > target) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  if (current.length > 0) groups.push(current);
  return groups.filter((g) => g.length > 1);
}

/**
 * The current hour's groups: its writer files (not the merged files it has), in groups of
 * one shard each (of at most `target` bytes, in stream order), none unless there are
 * `minFiles` of them. A merged file per shard, because
 * the close merges them all: files of one shard each, in stream order, have key ranges
 * that do not overlap, and such a merge copies them one after the other without a sort;
 * a merged file of every shard overlaps the next one's, and the close would sort the hour.
 */
function packPerShard(
  files: readonly ObjectInfo[],
  part: PartitionFiles,
  minFiles: number,
  target: number,
): ObjectInfo[][] {
  const writer = files.flatMap((f) => {
    const r = parseFileName(f.key.slice(part.prefix.length));
    return r ? [{ f, r }] : [];
  });
  if (writer.length < minFiles) return [];
  // in stream order within a shard (names sort as text: 0-10-12 before 0-9-9)
  writer.sort((a, b) => a.r.shard - b.r.shard || a.r.first - b.r.first);
  const groups: ObjectInfo[][] = [];
  let shard: number | undefined;
  let bytes = 0;
  for (const { f, r } of writer) {
    const current = groups[groups.length - 1];
    if (current && r.shard === shard && bytes + f.size <= target) {
      current.push(f);
      bytes += f.size;
    } else {
      groups.push([f]);
      shard = r.shard;
      bytes = f.size;
    }
  }
  return groups.filter((g) => g.length > 1);
}

/** Compacts the closed partitions of the lake in `options.store` (and the current hour, with `currentHour`). */
export async function compactLake(options: CompactOptions): Promise<CompactionReport> {
  const now = options.now ?? Date.now;
  const target = options.targetBytes ?? DEFAULT_TARGET_BYTES;
  const hourStart = Math.floor(now() / HOUR_MS) * HOUR_MS;
  const cutoff = Math.min(options.before ?? hourStart, hourStart);
  const currentHourMinFiles = options.currentHour
    ? (options.currentHourMinFiles ?? DEFAULT_CURRENT_HOUR_MIN_FILES)
    : undefined;
  const quietMs = options.quietMs ?? 0;
  const report: CompactionReport = {
    partitions: 0,
    filesIn: 0,
    filesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    rows: 0,
    deleted: 0,
    mergesOverLimit: 0,
    left: [],
  };
  const toDelete: ObjectInfo[] = [];
  await fs.mkdir(options.stagingDir, { recursive: true });
  for (const table of options.tables ?? LAKE_TABLES) {
    for (const part of await listPartitions(options.store, `${table}/`)) {
      if (options.signal?.aborted) return report;
      const end = partitionEnd(part.prefix);
      if (end === undefined) continue;
      if (end > hourStart) {
        // the hour being written now (not a later one), unless --before is earlier
        if (currentHourMinFiles === undefined || end > hourStart + HOUR_MS || cutoff < hourStart) {
          report.left.push({ partition: part.prefix, reason: 'current hour, still being written' });
          continue;
        }
        toDelete.push(...part.obsolete);
        const merged = await compactPartition(options, table, part, target, report, {
          minFiles: currentHourMinFiles,
        });
        if (merged.length === 0)
          report.left.push({
            partition: part.prefix,
            reason: 'current hour, too few new files yet',
          });
        // Its sources stay until the next run deletes them as obsolete: every build of a
        // daily pond reads the current hour, and may have listed them minutes before it
        // reads them (jobs take turns on the engine), longer than the grace wait.
        continue;
      }
      if (end > cutoff) {
        report.left.push({ partition: part.prefix, reason: 'not before --before' });
        continue;
      }
      if (quietMs > 0 && writtenSince(part, now() - quietMs)) {
        report.left.push({
          partition: part.prefix,
          reason: 'written to within the quiet period, still being written',
        });
        continue;
      }
      toDelete.push(...part.obsolete);
      const merged = await compactPartition(options, table, part, target, report);
      if (merged.length === 0)
        report.left.push({
          partition: part.prefix,
          reason: 'nothing to merge (one small file, or already compacted)',
        });
      toDelete.push(...merged);
    }
  }
  // what the merges hold is not needed through the grace wait (30 s by default)
  await options.merger.release();
  if (toDelete.length > 0 && !options.signal?.aborted) {
    const grace = options.graceMs ?? DEFAULT_GRACE_MS;
    if (grace > 0)
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(done, grace);
        options.signal?.addEventListener('abort', done, { once: true });
      });
    // stopped during the grace: queries may still read the sources; the next run deletes them
    if (options.signal?.aborted) return report;
    for (const o of toDelete) await options.store.delete(o.key);
    report.deleted = toDelete.length;
  }
  return report;
}

/**
 * Merges the small files of one partition and swaps its manifest; returns the sources to
 * delete. With `open` (the current hour) it merges only writer files, and only when there
 * are at least `open.minFiles` of them.
 */
async function compactPartition(
  options: CompactOptions,
  table: LakeTable,
  part: PartitionFiles,
  target: number,
  report: CompactionReport,
  open?: { minFiles: number },
): Promise<ObjectInfo[]> {
  const { store } = options;
  const compactedByName = new Map(part.compacted.map((f) => [f.name, f]));
  const small = part.visible.filter((f) => f.size < target * 0.75);
  const groups = open ? packPerShard(small, part, open.minFiles, target) : pack(small, target);
  if (groups.length === 0) return [];
  const rangesOf = (o: ObjectInfo): readonly SeqRange[] => {
    const name = o.key.slice(part.prefix.length);
    const entry = compactedByName.get(name);
    if (entry) return entry.ranges;
    const r = parseFileName(name);
    if (!r) throw new Error(`${o.key} is neither a writer file nor a listed compacted file`);
    // the rows a file holds; the epoch it was written under means nothing once merged
    return [{ shard: r.shard, first: r.first, last: r.last }];
  };
  const merged: ObjectInfo[] = [];
  const entries: ManifestFile[] = [];
  for (const group of groups) {
    const ranges = mergeRanges(group.flatMap(rangesOf));
    const name = `c-${shortHash(JSON.stringify(ranges))}.parquet`;
    const local = path.join(options.stagingDir, `${process.pid}-${name}`);
    const downloads: string[] = [];
    try {
      const sources: string[] = [];
      for (const o of group) {
        if (store instanceof LocalObjectStore) sources.push(path.join(store.location, o.key));
        else {
          const p = path.join(options.stagingDir, `${process.pid}-src-${downloads.length}.parquet`);
          downloads.push(p);
          if (!(await getToFile(store, o.key, p)))
            throw new Error(`${o.key} vanished during compaction`);
          sources.push(p);
        }
      }
      const { rows, overLimit } = await options.merger.merge(sources, local, ORDER_BY[table]);
      if (overLimit) {
        report.mergesOverLimit++;
        options.logger.warn('merge needed more than the merger memory limit and ran again', {
          partition: part.prefix,
          files: group.length,
          rows,
          memoryLimit: overLimit,
        });
      }
      const bytes = (await fs.stat(local)).size;
      await store.putFile(part.prefix + name, local);
      entries.push({ name, ranges, rows, bytes });
      merged.push(...group);
      report.filesIn += group.length;
      report.bytesIn += group.reduce((n, o) => n + o.size, 0);
      report.filesOut++;
      report.bytesOut += bytes;
      report.rows += rows;
    } finally {
      await fs.rm(local, { force: true });
      for (const d of downloads) await fs.rm(d, { force: true });
    }
  }
  const mergedKeys = new Set(merged.map((o) => o.key));
  const kept = part.compacted.filter((f) => !mergedKeys.has(part.prefix + f.name));
  await writeManifest(store, part.prefix, [...kept, ...entries], (options.now ?? Date.now)());
  report.partitions++;
  // debug: a run's summary is one line (the schedule's `compaction run`, `lake compact`'s
  // report); the demo's history alone leaves over a thousand partitions to merge
  options.logger.debug('compacted partition', {
    partition: part.prefix,
    filesIn: merged.length,
    filesOut: entries.length,
  });
  await options.onSwap?.(part.prefix);
  return merged;
}
