import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBResult,
} from '@duckdb/node-api';
import { jsonValueConverter } from '../../lake/duckdb/json-values.js';
import {
  groupedLakeTableSelect,
  SchemaCache,
  sqlString,
} from '../../lake/duckdb/lake-table-sql.js';
import { isVanishedFile } from '../../lake/duckdb/vanished-file.js';
import { lakeRoot } from '../../lake/lake-layout.js';
import { archiveRoot } from '../../lake/lifecycle/local-lifecycle.js';
import { LAKE_TABLES, type LakeTable } from '../../lake/tables.js';
import { QueryError } from '../errors.js';
import { type LakeFiles, LocalLakeFiles, TieredLakeFiles } from '../lake-files.js';
import type { LakeQueryOptions, QueryResult, ResultColumn, Row } from '../lake-query.js';
import { LakeQueryBase } from '../lake-query-base.js';
import {
  keyMatches,
  type PartitionPredicate,
  type TableScan,
  tableScans,
} from '../partition-pruning.js';
import { serializeSql } from './duckdb-sql-parser.js';

/** DuckDB messages span lines (a caret under the SQL); the first line says what went wrong. */
function toQueryError(err: unknown, sql: string): QueryError {
  const msg = (err as Error)?.message ?? String(err);
  const line = msg.split('\n').find((l) => l.trim().length > 0) ?? 'query failed';
  return new QueryError(line.replace(/^Failed to extract statements: /, '').trim(), sql, {
    cause: err,
  });
}

/**
 * The lake tables named as a whole word in `sql` (case-insensitive): the views a query
 * can read, so the only ones refreshed before it.
 */
export function namedTables(sql: string): LakeTable[] {
  const words = new Set(sql.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []);
  return LAKE_TABLES.filter((t) => words.has(t));
}

/**
 * The tables a statement reads once, at its top level, with predicates on partition
 * columns (`WHERE dt >= '2026-11-26'`), with those predicates (see partition-pruning.ts:
 * conservative, it never drops a file the statement could read).
 */
function prunedTables(
  scans: readonly TableScan[] | undefined,
): Map<LakeTable, readonly PartitionPredicate[]> {
  const out = new Map<LakeTable, readonly PartitionPredicate[]>();
  for (const table of LAKE_TABLES) {
    const of = (scans ?? []).filter((s) => s.table.toLowerCase() === table);
    const predicates = of.length === 1 ? of[0]?.predicates : undefined;
    if (predicates && predicates.length > 0) out.set(table, predicates);
  }
  return out;
}

/** Times a query is re-planned on a fresh file list when a listed file vanished. */
const VANISHED_RETRIES = 3;

/**
 * LakeQuery on an in-memory DuckDB. Before every query, each lake table it names becomes a
 * view over `read_parquet` of the files LakeFiles lists, grouped by Parquet schema (so
 * files of older schema versions read too; see groupedLakeTableSelect), or, while it has
 * none, a typed empty SELECT with the same columns. A view is made the first time a query
 * needs it, not at open. Reading the listed files rather than a glob is what keeps a
 * compaction invisible. Each query runs on its own connection, so queries may overlap.
 *
 * The views were over every file with `union_by_name`, made for every table at open:
 * that opens every file to bind a view and holds what it read. Over the 10,725 files of
 * `up --demo`'s history, the demand forecast's query peaked at 1,061 MB of RSS in 7.1 s,
 * and at 462-489 MB in 3.6-3.7 s grouped and made on demand (docs/benchmarks.md, "ETL in
 * groups").
 */
export class DuckDBLakeQuery extends LakeQueryBase {
  private readonly viewSql = new Map<LakeTable, string>();
  /** The files each view reads, as last listed. */
  private readonly viewFiles = new Map<LakeTable, readonly string[]>();
  /** Each table's files' schemas, so a refresh reads only new files' footers. */
  private readonly schemas = new Map<LakeTable, SchemaCache>();
  private readonly connections = new Set<DuckDBConnection>();
  private refreshing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly lakeFiles: LakeFiles,
  ) {
    super();
  }

  /** Opens the engine; each table's view is made when a query first needs it. */
  static async open(options: LakeQueryOptions): Promise<DuckDBLakeQuery> {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const lake = new LocalLakeFiles(path.resolve(lakeRoot(options.dataDir)));
    const files =
      options.files ??
      (options.includeArchive
        ? new TieredLakeFiles([
            lake,
            new LocalLakeFiles(path.resolve(archiveRoot(options.dataDir))),
          ])
        : lake);
    return new DuckDBLakeQuery(instance, conn, files);
  }

  /**
   * Re-lists the files of `tables` and re-creates the views whose file list changed,
   * but for the tables in `pruned`, which the query reads through a temporary view over
   * part of their files (creating a view opens every file it lists). A query refreshes
   * only the tables it names: listing a table the query does not read (thousands of
   * small files of `offers` for a dead-letter listing) made every query as slow as a
   * listing of the whole lake.
   */
  private refreshViews(
    tables: readonly LakeTable[] = LAKE_TABLES,
    pruned: ReadonlyMap<LakeTable, unknown> = new Map(),
  ): Promise<void> {
    this.refreshing = this.refreshing
      .catch(() => undefined)
      .then(async () => {
        for (const table of tables) {
          const files = await this.lakeFiles.files(table);
          this.viewFiles.set(table, files);
          this.schemaCache(table).retain(files);
          if (pruned.has(table)) continue;
          const select = await this.tableSelect(table, files);
          const sql = `CREATE OR REPLACE VIEW ${table} AS ${select}`;
          if (this.viewSql.get(table) === sql) continue;
          await this.conn.run(sql);
          this.viewSql.set(table, sql);
        }
      });
    return this.refreshing;
  }

  /**
   * Runs `fn` on a new connection over views refreshed just before, and again (up to
   * VANISHED_RETRIES times) when a file the views listed vanished meanwhile. A failed
   * attempt's connection is closed; a successful one's belongs to `fn`'s result.
   */
  private async onFreshViews<T>(
    sql: string,
    fn: (conn: DuckDBConnection) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new QueryError('the lake query engine is closed', sql);
    const named = namedTables(sql);
    // A view of the user's own may read any table: a statement naming one refreshes all.
    const viaOwnView = named.length > 0 && (await this.namesOwnView(sql));
    const pruned = prunedTables(
      named.length > 0 ? tableScans(await serializeSql(this.conn, sql)) : undefined,
    );
    for (let attempt = 0; ; attempt++) {
      // A statement naming no lake table may read one through a view of the user's own,
      // and a retry refreshes every view: such a view may list a file a compaction deleted.
      try {
        await this.refreshViews(
          attempt === 0 && named.length > 0 && !viaOwnView ? named : LAKE_TABLES,
          pruned,
        );
      } catch (err) {
        // reading the footers of a file a compaction deleted since the listing
        if (attempt < VANISHED_RETRIES && isVanishedFile(err)) continue;
        throw toQueryError(err, sql);
      }
      const conn = await this.instance.connect();
      this.connections.add(conn);
      try {
        await this.pruneViews(conn, pruned);
        return await fn(conn);
      } catch (err) {
        if (this.connections.delete(conn)) conn.closeSync();
        if (attempt < VANISHED_RETRIES && isVanishedFile(err)) continue;
        throw toQueryError(err, sql);
      }
    }
  }

  /** True when `sql` names, as a whole word, a view the user created (not a lake table's). */
  private async namesOwnView(sql: string): Promise<boolean> {
    const reader = await this.conn.runAndReadAll(
      'SELECT lower(view_name) AS name FROM duckdb_views() WHERE NOT internal AND NOT temporary',
    );
    const words = new Set(sql.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []);
    return reader
      .getRowObjects()
      .some((r) => words.has(String(r.name)) && !LAKE_TABLES.includes(String(r.name) as LakeTable));
  }

  /**
   * On `conn` only, shadows the view of each table of `pruned` by a temporary view over
   * the files of the partitions its predicates allow. DuckDB would skip the other files'
   * rows anyway, but a view over every file of the table has every file's footer read
   * (once) and its path in the statement; with `union_by_name`, binding it opened every
   * file, so a listing of the newest hour of an uncompacted lake opened them all.
   */
  private async pruneViews(
    conn: DuckDBConnection,
    pruned: ReadonlyMap<LakeTable, readonly PartitionPredicate[]>,
  ): Promise<void> {
    for (const [table, predicates] of pruned) {
      const kept = (this.viewFiles.get(table) ?? []).filter((f) => keyMatches(f, predicates));
      await conn.run(`CREATE TEMP VIEW ${table} AS ${await this.tableSelect(table, kept, conn)}`);
    }
  }

  private schemaCache(table: LakeTable): SchemaCache {
    let cache = this.schemas.get(table);
    if (!cache) {
      cache = new SchemaCache();
      this.schemas.set(table, cache);
    }
    return cache;
  }

  /** The SELECT of a view over `files` of `table`; new files' footers are read on `conn`. */
  private tableSelect(
    table: LakeTable,
    files: readonly string[],
    conn: DuckDBConnection = this.conn,
  ): Promise<string> {
    return groupedLakeTableSelect(conn, table, files, this.schemaCache(table));
  }

  open(sql: string): Promise<QueryResult> {
    return this.onFreshViews(sql, async (conn) => {
      const result = await conn.stream(sql);
      // Reading the first chunk opens the files: a vanished one fails here, and is retried.
      const first = await result.fetchChunk();
      return this.resultOf(sql, conn, result, first);
    });
  }

  private resultOf(
    sql: string,
    conn: DuckDBConnection,
    result: DuckDBResult,
    first: DuckDBDataChunk | null,
  ): QueryResult {
    const release = () => {
      if (this.connections.delete(conn)) conn.closeSync();
    };
    const names = result.deduplicatedColumnNames();
    const columns: ResultColumn[] = names.map((name, i) => ({
      name,
      type: result.columnType(i).toString(),
    }));
    let iterated = false;
    return {
      columns,
      batches: () => {
        if (iterated) throw new QueryError('a query result can be iterated only once', sql);
        iterated = true;
        return (async function* () {
          try {
            if (first && first.rowCount > 0)
              yield first
                .convertRows(jsonValueConverter)
                .map((vals) => Object.fromEntries(names.map((n, i) => [n, vals[i]]))) as Row[];
            if (first && first.rowCount > 0)
              for await (const rows of result.yieldConvertedRowObjects(jsonValueConverter)) {
                if (rows.length > 0) yield rows as Row[];
              }
          } catch (err) {
            throw toQueryError(err, sql);
          } finally {
            release();
          }
        })();
      },
    };
  }

  async toParquet(sql: string, file: string): Promise<number> {
    const query = sql.trim().replace(/;+\s*$/, '');
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const rows = await this.onFreshViews(sql, async (conn) => {
      try {
        const result = await conn.run(
          `COPY (${query}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        return Number(result.rowsChanged);
      } catch (err) {
        await fs.rm(tmp, { force: true });
        throw err;
      } finally {
        if (this.connections.delete(conn)) conn.closeSync();
      }
    });
    try {
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return rows;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.refreshing.catch(() => undefined);
    for (const c of this.connections) c.closeSync();
    this.connections.clear();
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
