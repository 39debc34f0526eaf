import * as os from 'node:os';
import * as path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ParquetMerger } from '../compaction/parquet-merger.js';
import { ParquetWriteError } from '../errors.js';
import { DEFAULT_COMPACT_COMPRESSION_LEVEL } from '../lake-defaults.js';
import { compressionLevelOf } from './duckdb-parquet-writer.js';
import { groupBySchema, sqlString } from './lake-table-sql.js';

/**
 * Merges one DuckDB instance runs before it is closed and a new one opened. An instance
 * holds on to much of what each merge took until it closes: one instance for a whole run
 * over the demo's history (1,344 partitions, 10,700 files) reached 2.6 GB RSS in 58 s; an
 * instance per merge 0.2 GB but 94 s (opening one costs about 27 ms); 64 merges per
 * instance 0.4 GB in 52 s, and in `up --demo` a saw-tooth of 250-300 MB every few
 * seconds while the history was compacted. `lake compact` over a copy of a demo's lake
 * (11,837 offer and search files, part way through its first compaction), peak RSS and time, fresh copies:
 * 64 merges 582 and 618 MB in 75.3 and 73.6 s; 32 547 MB, 69.7 s; 16 534 and 523 MB,
 * 72.8 and 73.2 s; 8 540 MB, 77.9 s.
 */
export const MERGES_PER_INSTANCE = 16;

/**
 * DuckDB's memory limit for a merge: its ORDER BY spills to `spillDir` above it. Without
 * one DuckDB may take 80 % of the machine: `up --demo` reached 2.85 GB RSS as an hour
 * of its 60-minute footprint run closed and was compacted. Merging that hour's offers
 * (34 minutes of the live feed, 750,000 rows) alone: 1,354 MB peak in 6.1 s without a
 * limit; 644 MB in 15.4 s at 256 MB, 804 MB in 9.0 s at 512 MB. Compaction runs in the
 * background: the time is cheaper than the memory. Not lower: 48 minutes of the demo's
 * offers (1,503 files, 1.08 million rows, two threads) did not fit in 128 MB or 192 MB
 * and ran again at 4 times the limit, peaking at 1,011-1,062 and 1,361 MB, against
 * 826-876 MB at 256 MB (2,492 MB without a limit).
 */
export const MERGE_MEMORY_LIMIT = '256MB';

/**
 * DuckDB threads of a merge. The same 48 minutes of offers at 256 MB: one thread peaked
 * at 648-660 MB in 25.0-25.1 s, two at 826-876 MB in 22.4-22.7 s (process start about
 * 80 MB): a fifth less memory for a tenth more time, in the background.
 */
export const MERGE_THREADS = 1;

/**
 * Rows per row group of a merged file. DuckDB's Parquet writer holds a row group whole
 * before it writes it, and most of what an in-order copy needs is that: 414 files of a
 * live hour of the demo's offers (14 minutes), copied in order at 256 MB with DuckDB's
 * default 122,880 rows, peaked at 489-499 MB; with 32,768 rows at 96 MB 274-275 MB, in
 * the same time (2.2-2.4 s), and the file was no larger (17.57 against 17.60 MB). With
 * 122,880 rows that copy did not fit in 96 MB. A full live hour (1,848 files, 1.34
 * million rows): 351 MB against 607-612 MB, 10.6-11.0 s against 10.8-11.1 s. Reading the
 * merged file was no slower (an aggregate 6.6 against 7.8 ms, a full scan 83.5 against
 * 87.1 ms, medians); DuckDB skips by row group, and smaller ones let it skip more.
 */
export const MERGE_ROW_GROUP_SIZE = 32_768;

/**
 * DuckDB's memory limit while sources are copied in key order (no sort: what a merge of
 * the lake writer's files takes), when under the merge's own: such a copy streams, and
 * DuckDB otherwise fills whatever limit it has with what it read. The same 414 files:
 * 250 MB peak in 3.2 s at 64 MB, 274 MB in 2.3 s at 96 MB, 312 MB in 2.2 s at 128 MB. A
 * copy that does not fit (rows of many large values) runs again at the merge's limit.
 */
export const IN_ORDER_COPY_MEMORY_LIMIT = '96MB';

/**
 * How much a merge's memory limit grows when a merge does not fit (DuckDB cannot spill
 * all of it): once, to this many times the limit, then without a limit. Rerunning
 * without one straight away took 766 MB for a merge that 64 MB could not hold (a
 * synthetic hour, 750,000 rows), more than the same merge at 256 MB (580 MB).
 */
export const MERGE_LIMIT_STEP = 4;

/** `limit` (DuckDB's notation: `256MB`, `1.5GB`) times `factor`, in MB; undefined when it does not parse. */
export function scaledMemoryLimit(limit: string, factor: number): string | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(KB|KIB|MB|MIB|GB|GIB|TB|TIB)\s*$/i.exec(limit);
  if (!m) return undefined;
  const unit = m[2]!.toUpperCase().replace('I', '');
  const mb = Number(m[1]) * { KB: 1 / 1024, MB: 1, GB: 1024, TB: 1024 * 1024 }[unit]!;
  return `${Math.ceil(mb * factor)}MB`;
}

/**
 * A `read_parquet` of `files` in their order. The partition columns live in the path,
 * never in the files: no hive_partitioning. `byName` (sources of more than one schema, as
 * after a column was added) matches columns by name with `union_by_name`, which opens
 * every file to bind the query and holds what it read until the query ends: the 1,427
 * files of a 50-minute live hour of the demo's offers (1.09 million rows), copied in order,
 * peaked at 725-732 MB with it and at 509-538 MB without (one process a run, two runs
 * each, alternated).
 */
function readSources(files: readonly string[], byName: boolean, extra = ''): string {
  return `read_parquet([${files.map(sqlString).join(', ')}], ${byName ? 'union_by_name = true, ' : ''}hive_partitioning = false${extra})`;
}

/** Orders two sort keys as DuckDB returned them to JSON (a struct of numbers or strings). */
function compareKeys(a: unknown, b: unknown): number {
  const av = Object.values(a as Record<string, unknown>);
  const bv = Object.values(b as Record<string, unknown>);
  for (let i = 0; i < Math.max(av.length, bv.length); i++) {
    const x = av[i];
    const y = bv[i];
    if (x === y) continue;
    const nx = typeof x === 'string' && /^-?\d+$/.test(x) ? BigInt(x) : x;
    const ny = typeof y === 'string' && /^-?\d+$/.test(y) ? BigInt(y) : y;
    return (nx as number) < (ny as number) ? -1 : 1;
  }
  return 0;
}

/** Whether DuckDB refused for want of memory under its limit. */
function outOfMemory(err: unknown): boolean {
  return /Out of Memory/i.test((err as Error).message);
}

/**
 * ParquetMerger on in-memory DuckDB, on an instance renewed every MERGES_PER_INSTANCE
 * merges. Sources whose key ranges do not overlap (the lake writer's files: one shard
 * each, in stream order) are copied one after the other in key order, streaming, and the
 * result is checked to be in order; other sources, or a result that is not, take one
 * `COPY (SELECT ... ORDER BY ...) TO ...`. The sort must hold much of a partition: 13
 * minutes of the demo's offers (375 files, 262,395 rows) did not fit in 256 MB sorted
 * (583 MB peak at 384 MB); copied in order they peaked at 451 MB within 256 MB, in 3.9 s
 * against 6.4 s.
 */
export class DuckDBParquetMerger implements ParquetMerger {
  private db:
    | { instance: DuckDBInstance; conn: DuckDBConnection; merges: number; limit: string }
    | undefined;

  /** How many DuckDB instances this merger opened. */
  instancesOpened = 0;

  private constructor(
    private readonly threads: number,
    private readonly compressionLevel: number,
    private readonly mergesPerInstance: number,
    private readonly memoryLimit: string,
    private readonly inOrderCopyLimit: string,
    private readonly spillDir: string,
  ) {}

  /**
   * `threads`: DuckDB worker threads, default MERGE_THREADS. `compressionLevel`: zstd level of the
   * merged files, 1-22, default 9 (merged files are cold and written once: level 9 makes
   * them about 8% smaller than DuckDB's default 3). `memoryLimit`: DuckDB's, default
   * MERGE_MEMORY_LIMIT; a merge that needs more spills to `spillDir` (default a folder
   * of the system's temporary directory; DuckDB's own default would be `.tmp` in the
   * working directory). `inOrderCopyLimit`: the limit of a copy in key order, default
   * IN_ORDER_COPY_MEMORY_LIMIT (never above `memoryLimit`).
   */
  static async open(
    options: {
      threads?: number;
      compressionLevel?: number;
      mergesPerInstance?: number;
      memoryLimit?: string;
      inOrderCopyLimit?: string;
      spillDir?: string;
    } = {},
  ): Promise<DuckDBParquetMerger> {
    const level = compressionLevelOf(options.compressionLevel ?? DEFAULT_COMPACT_COMPRESSION_LEVEL);
    return new DuckDBParquetMerger(
      options.threads ?? MERGE_THREADS,
      level,
      options.mergesPerInstance ?? MERGES_PER_INSTANCE,
      options.memoryLimit ?? MERGE_MEMORY_LIMIT,
      options.inOrderCopyLimit ?? IN_ORDER_COPY_MEMORY_LIMIT,
      options.spillDir ?? path.join(os.tmpdir(), 'faresight-merge-spill'),
    );
  }

  /** Merges that needed more than memoryLimit and were run again at a higher one. */
  mergesOverLimit = 0;

  /** Copies in key order that needed more than inOrderCopyLimit and ran again at the merge's limit. */
  inOrderCopiesOverLimit = 0;

  /**
   * The connection of the current instance, renewed after MERGES_PER_INSTANCE merges;
   * `limit`: on a new instance of its own at that memory limit instead (`none`: without one).
   */
  private async connection(limit?: string): Promise<DuckDBConnection> {
    if (limit !== undefined || (this.db && this.db.merges >= this.mergesPerInstance))
      await this.release();
    if (!this.db) {
      const memory = limit ?? this.memoryLimit;
      const instance = await DuckDBInstance.create(':memory:', {
        threads: String(this.threads),
        temp_directory: this.spillDir,
        ...(memory === 'none' ? {} : { memory_limit: memory }),
      });
      this.db = { instance, conn: await instance.connect(), merges: 0, limit: memory };
      this.instancesOpened++;
    }
    this.db.merges++;
    return this.db.conn;
  }

  async merge(
    sources: readonly string[],
    target: string,
    orderBy: readonly string[],
  ): Promise<{ rows: number; overLimit?: string; concatenated?: true }> {
    const copy = (select: string) =>
      `COPY (${select}) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${this.compressionLevel}, ROW_GROUP_SIZE ${MERGE_ROW_GROUP_SIZE})`;
    const rowsOf = async (conn: DuckDBConnection, sql: string) =>
      Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
    const run = async (conn: DuckDBConnection) => {
      // `union_by_name` only for sources of more than one schema (see readSources)
      const byName = (await groupBySchema(conn, sources)).length > 1;
      const order =
        orderBy.length > 0 ? await this.keyOrder(conn, sources, orderBy, byName) : undefined;
      if (order) {
        const rows = await this.inOrderCopy(conn, () =>
          rowsOf(conn, copy(`SELECT * FROM ${readSources(order, byName)}`)),
        );
        if (await this.inOrder(conn, target, orderBy)) return { rows, concatenated: true } as const;
      }
      const sort = orderBy.length > 0 ? ` ORDER BY ${orderBy.join(', ')}` : '';
      return {
        rows: await rowsOf(conn, copy(`SELECT * FROM ${readSources(sources, byName)}${sort}`)),
      } as const;
    };
    try {
      try {
        return await run(await this.connection());
      } catch (err) {
        // Not all of a merge can spill (the Parquet writer's row groups, the sort's
        // merge of its runs): one that needs more than the limit runs again, on an
        // instance of its own, at MERGE_LIMIT_STEP times the limit and then without one,
        // rather than leave its partition uncompacted.
        if (!outOfMemory(err)) throw err;
        this.mergesOverLimit++;
        const stepped = scaledMemoryLimit(this.memoryLimit, MERGE_LIMIT_STEP);
        try {
          for (const limit of [...(stepped ? [stepped] : []), 'none']) {
            try {
              return { ...(await run(await this.connection(limit))), overLimit: limit };
            } catch (again) {
              if (limit === 'none' || !outOfMemory(again)) throw again;
            }
          }
          throw err; // not reached: the last attempt returns or throws
        } finally {
          await this.release();
        }
      }
    } catch (err) {
      throw new ParquetWriteError(
        `merging into ${target} failed: ${(err as Error).message}`,
        [target],
        {
          cause: err,
        },
      );
    }
  }

  /**
   * Runs `copy` (sources in key order: it streams) at inOrderCopyLimit when that is under
   * the instance's limit, and again at the instance's limit when it does not fit there;
   * the instance's limit is set back either way (which also hands back what DuckDB held).
   */
  private async inOrderCopy(conn: DuckDBConnection, copy: () => Promise<number>): Promise<number> {
    const own = this.db!.limit;
    const mb = (limit: string) => scaledMemoryLimit(limit, 1);
    const low = mb(this.inOrderCopyLimit);
    const under = own === 'none' || Number.parseFloat(low ?? '') < Number.parseFloat(mb(own) ?? '');
    if (low === undefined || !under) return copy();
    await conn.run(`SET memory_limit = '${low}'`);
    try {
      return await copy();
    } catch (err) {
      if (!outOfMemory(err)) throw err;
      this.inOrderCopiesOverLimit++;
    } finally {
      await conn.run(own === 'none' ? 'RESET memory_limit' : `SET memory_limit = '${own}'`);
    }
    return copy();
  }

  /**
   * The sources in the order of their sort keys when their key ranges do not overlap
   * (each file's first key after the last key of the file before it); undefined when
   * they do. The lake writer writes each file from one shard, in stream order, and a
   * merged file is sorted: such files need no sort, only to be read in this order.
   */
  private async keyOrder(
    conn: DuckDBConnection,
    sources: readonly string[],
    orderBy: readonly string[],
    byName: boolean,
  ): Promise<string[] | undefined> {
    // named fields: JSON keeps every one (an unnamed struct's fields all have the name "")
    const key = `struct_pack(${orderBy.map((c, i) => `k${i} := ${c}`).join(', ')})`;
    const r = await conn.runAndReadAll(
      `SELECT filename, min(${key}) AS lo, max(${key}) AS hi FROM ${readSources(sources, byName, ', filename = true')} GROUP BY filename`,
    );
    const ranges = r.getRowObjectsJson() as { filename: string; lo: unknown; hi: unknown }[];
    if (ranges.length <= 1) return undefined; // one file (or none): nothing to gain
    // a NULL in a key: ORDER BY puts it last, whatever a comparison here would say
    const hasNull = (k: unknown) => Object.values(k as Record<string, unknown>).includes(null);
    if (ranges.some((x) => hasNull(x.lo) || hasNull(x.hi))) return undefined;
    // a path DuckDB names otherwise than it was given could not be placed: sort instead
    const given = new Set(sources);
    if (ranges.some((x) => !given.has(x.filename))) return undefined;
    ranges.sort((a, b) => compareKeys(a.lo, b.lo));
    for (let i = 1; i < ranges.length; i++)
      if (compareKeys(ranges[i - 1]!.hi, ranges[i]!.lo) >= 0) return undefined;
    // files without rows have no range: they add nothing but their columns
    const withRows = new Set(ranges.map((x) => x.filename));
    return [...ranges.map((x) => x.filename), ...sources.filter((f) => !withRows.has(f))];
  }

  /** Whether `file`'s rows are in `orderBy` order (a file whose own rows were not sorted breaks it). */
  private async inOrder(
    conn: DuckDBConnection,
    file: string,
    orderBy: readonly string[],
  ): Promise<boolean> {
    const key = `(${orderBy.join(', ')})`;
    // OVER (): in the file's order (insertion order is preserved); only the key columns are held
    const r = await conn.runAndReadAll(
      `SELECT count(*) FROM (SELECT ${key} AS k, lag(${key}) OVER () AS prev FROM read_parquet(${sqlString(file)})) WHERE prev IS NOT NULL AND prev > k`,
    );
    return Number(r.getRows()[0]?.[0] ?? 1) === 0;
  }

  /** Closes the DuckDB instance and hands back what it held; the next merge opens a new one. */
  async release(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    db?.conn.closeSync();
    db?.instance.closeSync();
  }

  close(): Promise<void> {
    return this.release();
  }
}
