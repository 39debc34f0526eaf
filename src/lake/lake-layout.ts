/**
 * Where a file lives in the lake:
 * `<table>/vendor=<vendor>/dt=<YYYY-MM-DD>/hour=<HH>/<shard>-<firstSeq>-<lastSeq>.parquet`,
 * relative to the lake root (`<dataDir>/lake`). Partitions come from `receivedAt` in UTC.
 * A writer sharing its shards by lease (consumers.leases) adds the lease epoch it wrote
 * under, `<shard>-<firstSeq>-<lastSeq>-e<epoch>.parquet`, so two owners of one shard across
 * a hand-off never write the same name (see compaction/visible-files.ts for which wins).
 */
import type { LakeTable } from './tables.js';

/** The Hive partition of one record. */
export interface Partition {
  readonly vendor: string;
  /** UTC date of receivedAt, `YYYY-MM-DD`. */
  readonly dt: string;
  /** UTC hour of receivedAt, two digits. */
  readonly hour: string;
}

/** A seq range of one shard, both ends inclusive. */
export interface SeqRange {
  readonly shard: number;
  readonly first: number;
  readonly last: number;
  /** The lease epoch of the shard the file was written under; absent for an unleased writer. */
  readonly epoch?: number;
}

/** Vendor names allowed in a path (the same rule as ShoppingRecord.vendor). */
export const VENDOR_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Lake root under the data directory. */
export function lakeRoot(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/lake`;
}

/** The partition of a record received at `receivedAtMs` (epoch ms) from `vendor`. */
export function partitionOf(vendor: string, receivedAtMs: number): Partition {
  const iso = new Date(receivedAtMs).toISOString();
  return { vendor, dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** Object-store prefix of a partition, ending in `/`. */
export function partitionPrefix(table: LakeTable, p: Partition): string {
  return `${table}/vendor=${p.vendor}/dt=${p.dt}/hour=${p.hour}/`;
}

/** File name of a range: `<shard>-<firstSeq>-<lastSeq>.parquet`, `-e<epoch>` before `.parquet` when leased. */
export function fileName(r: SeqRange): string {
  const epoch = r.epoch === undefined ? '' : `-e${r.epoch}`;
  return `${r.shard}-${r.first}-${r.last}${epoch}.parquet`;
}

/** Full object key of the file holding `range` of `partition` in `table`. */
export function fileKey(table: LakeTable, p: Partition, r: SeqRange): string {
  return partitionPrefix(table, p) + fileName(r);
}

const FILE_NAME = /(?:^|\/)(\d+)-(\d+)-(\d+)(?:-e(\d+))?\.parquet$/;

/**
 * Parses a key or name ending in `<shard>-<first>-<last>.parquet` (or
 * `...-e<epoch>.parquet`); undefined when it does not.
 */
export function parseFileName(key: string): SeqRange | undefined {
  const m = FILE_NAME.exec(key);
  if (!m) return undefined;
  const range = { shard: Number(m[1]), first: Number(m[2]), last: Number(m[3]) };
  return m[4] === undefined ? range : { ...range, epoch: Number(m[4]) };
}

const PARTITION_KEY = /(?:^|\/)vendor=([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//;

/** The partition in a key such as `offers/vendor=kiwi/dt=2026-11-26/hour=05/0-1-9.parquet`; undefined when it has none. */
export function parsePartitionKey(key: string): Partition | undefined {
  const m = PARTITION_KEY.exec(key);
  if (!m) return undefined;
  return { vendor: m[1]!, dt: m[2]!, hour: m[3]! };
}

/** Top-level prefix, in the lake's object store, of dead-letter payloads kept as objects of their own. */
export const DEAD_LETTER_PAYLOADS = 'dead_letter_payloads';

/**
 * Object key of a payload kept on its own, partitioned like the lake's tables
 * (`dead_letter_payloads/vendor=<v>/dt=<d>/hour=<h>/<id>.bin`) so lifecycle rules apply.
 */
export function payloadObjectKey(id: string, vendor: string, receivedAt: Date): string {
  const p = partitionOf(vendor, receivedAt.getTime());
  return `${DEAD_LETTER_PAYLOADS}/vendor=${p.vendor}/dt=${p.dt}/hour=${p.hour}/${id}.bin`;
}
