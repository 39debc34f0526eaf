/**
 * SQL over a lake in a remote object store (S3), without an engine extension that reads
 * S3 itself: each query is parsed, the files it can touch are chosen by partition
 * pruning on the object keys (see ../partition-pruning.ts), fetched into the bounded
 * LakeFileCache, and the query runs on the default local engine over exactly those
 * files. Results therefore match the same query over a local copy of the lake. Objects
 * in an archive storage class (Glacier, Deep Archive) are skipped, as the local archive
 * tier is.
 */
import * as path from 'node:path';
import { listPartitions } from '../../lake/compaction/visible-files.js';
import type { ObjectInfo, ObjectStore } from '../../lake/object-store/object-store.js';
import { LAKE_TABLES } from '../../lake/tables.js';
import { DuckDBLakeQuery } from '../duckdb/duckdb-lake-query.js';
import { DuckDBSqlParser } from '../duckdb/duckdb-sql-parser.js';
import { QueryError } from '../errors.js';
import { DirectoryLakeFiles } from '../lake-files.js';
import type { LakeQuery, QueryResult } from '../lake-query.js';
import { LakeQueryBase } from '../lake-query-base.js';
import { keyMatches, scanPrefixes, type TableScan, tableScans } from '../partition-pruning.js';
import { LakeFileCache, type LakeFileCacheStats } from './lake-file-cache.js';

/** Options of openRemoteLakeQuery. */
export interface RemoteLakeQueryOptions {
  /** The lake's store; keys are `<table>/vendor=.../dt=.../hour=.../<file>.parquet`. */
  store: ObjectStore;
  /** Local cache directory (config: lake.cacheDir, default `<dataDir>/cache/lake`). */
  cacheDir: string;
  /** Bound on cached bytes (config: lake.cacheMaxBytes). */
  cacheMaxBytes: number;
}

/** What a remote query fetched; for tests, benchmarks and `--explain`-style output. */
export interface RemoteQueryPlan {
  readonly scans: readonly TableScan[];
  readonly files: readonly ObjectInfo[];
}

/** Names a reference may carry to be fetched as a lake table (ponds are not tables). */
const TABLE_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * A LakeQuery over a remote store. `open` may throw CacheTooSmallError (the query needs
 * more than the cache bound) or the store's errors, besides QueryError.
 */
export class RemoteLakeQuery extends LakeQueryBase {
  readonly cache: LakeFileCache;
  private readonly running = new Set<() => Promise<void>>();
  private closed = false;

  private constructor(
    private readonly store: ObjectStore,
    private readonly parser: DuckDBSqlParser,
    options: RemoteLakeQueryOptions,
  ) {
    super();
    this.cache = new LakeFileCache({
      store,
      dir: options.cacheDir,
      maxBytes: options.cacheMaxBytes,
    });
  }

  static async open(options: RemoteLakeQueryOptions): Promise<RemoteLakeQuery> {
    return new RemoteLakeQuery(options.store, await DuckDBSqlParser.open(), options);
  }

  /** Counters of the cache (downloads, hits, evictions). */
  cacheStats(): LakeFileCacheStats {
    return this.cache.stats();
  }

  /** The scans of `sql` and the files they need, listed from the store now. */
  async plan(sql: string): Promise<RemoteQueryPlan> {
    const scans = (tableScans(await this.parser.parse(sql)) ?? mentionedTables(sql)).filter(
      (s) => TABLE_NAME.test(s.table) && s.table !== 'ponds',
    );
    const files = new Map<string, ObjectInfo>();
    // only the files that hold the rows: a compacted partition's manifest hides its sources
    for (const scan of scans)
      for (const prefix of scanPrefixes(scan))
        for (const part of await listPartitions(this.store, prefix))
          for (const o of part.visible)
            if (!o.archived && keyMatches(o.key, scan.predicates)) files.set(o.key, o);
    return { scans, files: [...files.values()] };
  }

  async open(sql: string): Promise<QueryResult> {
    if (this.closed) throw new QueryError('the lake query engine is closed', sql);
    const { files } = await this.plan(sql);
    const held = await this.cache.checkout(files);
    let engine: LakeQuery | undefined;
    let done: Promise<void> | undefined;
    const finish = () => {
      done ??= (async () => {
        this.running.delete(finish);
        try {
          await engine?.close();
        } finally {
          await held.release();
        }
      })();
      return done;
    };
    this.running.add(finish);
    let result: QueryResult;
    try {
      engine = await DuckDBLakeQuery.open({
        dataDir: path.dirname(held.root),
        files: new DirectoryLakeFiles(held.root),
      });
      result = await engine.open(sql);
    } catch (err) {
      await finish();
      throw err;
    }
    return {
      columns: result.columns,
      batches: () => {
        const inner = result.batches();
        return (async function* () {
          try {
            yield* inner;
          } finally {
            await finish();
          }
        })();
      },
    };
  }

  async toParquet(sql: string, file: string): Promise<number> {
    if (this.closed) throw new QueryError('the lake query engine is closed', sql);
    const { files } = await this.plan(sql);
    const held = await this.cache.checkout(files);
    try {
      const engine = await DuckDBLakeQuery.open({
        dataDir: path.dirname(held.root),
        files: new DirectoryLakeFiles(held.root),
      });
      try {
        return await engine.toParquet(sql, file);
      } finally {
        await engine.close();
      }
    } finally {
      await held.release();
    }
  }

  /** Ends running queries, releases their files and the parser; does not close the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const finish of [...this.running]) await finish().catch(() => undefined);
    this.parser.close();
  }
}

/** Every known lake table named as a word in `sql`, whole: the fallback when the SQL cannot be serialized. */
function mentionedTables(sql: string): TableScan[] {
  const words = new Set(sql.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []);
  return LAKE_TABLES.filter((t) => words.has(t)).map((table) => ({ table, predicates: [] }));
}

/** Opens SQL over the lake in `store`, reading through a local cache. See RemoteLakeQuery. */
export function openRemoteLakeQuery(options: RemoteLakeQueryOptions): Promise<RemoteLakeQuery> {
  return RemoteLakeQuery.open(options);
}
