import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBResult } from '@duckdb/node-api';
import { lakeRoot } from '../../lake/lake-layout.js';
import {
  LAKE_TABLES,
  type LakeTable,
  PARTITION_COLUMNS,
  TABLE_COLUMNS,
} from '../../lake/tables.js';
import { QueryError } from '../errors.js';
import type { LakeQuery, LakeQueryOptions, QueryResult, ResultColumn, Row } from '../lake-query.js';
import { jsonValueConverter } from './json-values.js';

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** DuckDB messages span lines (a caret under the SQL); the first line says what went wrong. */
function toQueryError(err: unknown, sql: string): QueryError {
  const msg = (err as Error)?.message ?? String(err);
  const line = msg.split('\n').find((l) => l.trim().length > 0) ?? 'query failed';
  return new QueryError(line.replace(/^Failed to extract statements: /, '').trim(), sql, {
    cause: err,
  });
}

/** True once `dir` holds a `.parquet` file anywhere below it; stops at the first. */
async function hasParquet(dir: string): Promise<boolean> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) if (e.isFile() && e.name.endsWith('.parquet')) return true;
  for (const e of entries)
    if (e.isDirectory() && (await hasParquet(path.join(dir, e.name)))) return true;
  return false;
}

const HIVE_TYPES = `{${PARTITION_COLUMNS.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(', ')}}`;

/**
 * LakeQuery on an in-memory DuckDB. Each lake table is a view: once the table has files,
 * over `read_parquet` of its `vendor=/dt=/hour=` directories with hive_partitioning and
 * union_by_name; until then a typed empty SELECT with the same columns. Views of empty
 * tables are re-checked before every query, so files that land later are seen. Each
 * query runs on its own connection, so queries may overlap.
 */
export class DuckDBLakeQuery implements LakeQuery {
  private readonly live = new Set<LakeTable>();
  private readonly created = new Set<LakeTable>();
  private readonly connections = new Set<DuckDBConnection>();
  private refreshing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly root: string,
  ) {}

  /** Opens the engine and creates the table views. */
  static async open(options: LakeQueryOptions): Promise<DuckDBLakeQuery> {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const q = new DuckDBLakeQuery(instance, conn, path.resolve(lakeRoot(options.dataDir)));
    await q.refreshViews();
    return q;
  }

  private refreshViews(): Promise<void> {
    this.refreshing = this.refreshing.then(async () => {
      for (const table of LAKE_TABLES) {
        if (this.live.has(table)) continue;
        const dir = path.join(this.root, table);
        if (await hasParquet(dir)) {
          const glob = `${dir}/vendor=*/dt=*/hour=*/*.parquet`;
          await this.conn.run(
            `CREATE OR REPLACE VIEW ${table} AS SELECT * FROM read_parquet(${sqlString(glob)}, ` +
              `hive_partitioning = true, union_by_name = true, hive_types = ${HIVE_TYPES})`,
          );
          this.live.add(table);
          this.created.add(table);
        } else if (!this.created.has(table)) {
          const cols = [...TABLE_COLUMNS[table], ...PARTITION_COLUMNS]
            .map((c) => `CAST(NULL AS ${c.type}) AS ${c.name}`)
            .join(', ');
          await this.conn.run(`CREATE OR REPLACE VIEW ${table} AS SELECT ${cols} WHERE false`);
          this.created.add(table);
        }
      }
    });
    return this.refreshing;
  }

  async open(sql: string): Promise<QueryResult> {
    if (this.closed) throw new QueryError('the lake query engine is closed', sql);
    await this.refreshViews();
    const conn = await this.instance.connect();
    this.connections.add(conn);
    const release = () => {
      if (this.connections.delete(conn)) conn.closeSync();
    };
    let result: DuckDBResult;
    try {
      result = await conn.stream(sql);
    } catch (err) {
      release();
      throw toQueryError(err, sql);
    }
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

  async *stream(sql: string): AsyncIterable<Row[]> {
    const result = await this.open(sql);
    yield* result.batches();
  }

  async all(sql: string): Promise<Row[]> {
    const out: Row[] = [];
    for await (const rows of this.stream(sql)) for (const r of rows) out.push(r);
    return out;
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
