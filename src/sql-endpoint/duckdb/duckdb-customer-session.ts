import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { jsonValueConverter } from '../../lake/duckdb/json-values.js';
import type { ResultColumn, Row } from '../../query/lake-query.js';
import { customerArea, SLICES_DIR, sliceFile } from '../../tenancy/customer-slices.js';
import {
  type CustomerSession,
  DEFAULT_MAX_RESULT_BYTES,
  DEFAULT_SESSION_MEMORY_LIMIT,
  DEFAULT_SESSION_THREADS,
  type SessionResult,
  type SessionSpec,
} from '../customer-session.js';
import {
  ResultTooLargeError,
  RowLimitError,
  SqlExecutionError,
  SqlInterruptedError,
  SqlMemoryLimitError,
  SqlRejectedError,
  SqlTimeoutError,
} from '../errors.js';
import { checkSerializedSql } from '../sql-guard.js';

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
const firstLine = (err: unknown) =>
  ((err as Error)?.message ?? String(err)).split('\n').find((l) => l.trim()) ?? 'query failed';

async function hasParquet(dir: string): Promise<boolean> {
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isFile() && e.name.endsWith('.parquet')) return true;
  }
  return false;
}

/** The DuckDB database of a customer session, locked down, before any statement check. */
export interface CustomerDatabase {
  readonly instance: DuckDBInstance;
  readonly conn: DuckDBConnection;
  /** Lower-case names of the views: granted ponds, then the customer's own tables. */
  readonly relations: readonly string[];
  /** Lower-case names of granted ponds not built yet (no files, no columns known): no view. */
  readonly unbuilt: readonly string[];
  /** The customer's area, the only directory the database may read or write. */
  readonly area: string;
}

/**
 * Opens the in-memory DuckDB of a customer session: one view per granted pond over the
 * customer's slice of it (`<area>/ponds/<pond>/data.parquet`, written by CustomerSlices;
 * a typed empty view when there is no slice), one per own table (`<area>/<table>/`);
 * then locks it down: `allowed_directories` = the customer's area alone,
 * `enable_external_access = false` (no other file, no network, no ATTACH), no extension
 * auto-install/auto-load, `lock_configuration = true` (no SET can undo it). Whatever SQL
 * then runs on it can reach no row outside the customer's grant: the statement check of
 * the session is a second line of defence. Exported for the tests that prove it.
 */
export async function openCustomerDatabase(spec: SessionSpec): Promise<CustomerDatabase> {
  const area = customerArea(spec.lakeRoot, spec.customer);
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(spec.threads ?? DEFAULT_SESSION_THREADS),
  });
  const conn = await instance.connect();
  const relations: string[] = [];
  const unbuilt: string[] = [];
  try {
    const ponds = new Map(spec.ponds.map((p) => [p.name, p]));
    for (const g of spec.grants) {
      const pond = ponds.get(g.pond);
      if (!pond || relations.includes(pond.name.toLowerCase())) continue;
      const file = sliceFile(spec.lakeRoot, spec.customer, pond.name);
      if (
        await fs.stat(file).then(
          (st) => st.isFile(),
          () => false,
        )
      ) {
        await conn.run(
          `CREATE VIEW ${ident(pond.name)} AS SELECT * FROM read_parquet(${lit(file)})`,
        );
      } else if (pond.columns?.length) {
        const cols = pond.columns
          .map((c) => `CAST(NULL AS ${c.type}) AS ${ident(c.name)}`)
          .join(', ');
        await conn.run(`CREATE VIEW ${ident(pond.name)} AS SELECT ${cols} WHERE false`);
      } else {
        unbuilt.push(pond.name.toLowerCase());
        continue;
      }
      relations.push(pond.name.toLowerCase());
    }
    for (const e of await fs.readdir(area, { withFileTypes: true }).catch(() => [])) {
      if (
        !e.isDirectory() ||
        e.name.startsWith('.') ||
        e.name === SLICES_DIR ||
        relations.includes(e.name.toLowerCase())
      )
        continue;
      const dir = path.join(area, e.name);
      if (!(await hasParquet(dir))) continue;
      await conn.run(
        `CREATE VIEW ${ident(e.name)} AS SELECT * FROM read_parquet(${lit(`${dir}/*.parquet`)})`,
      );
      relations.push(e.name.toLowerCase());
    }
    await conn.run(`SET allowed_directories = [${lit(`${area}/`)}]`);
    await conn.run(`SET temp_directory = ''`);
    await conn.run('SET enable_external_access = false');
    await conn.run('SET autoinstall_known_extensions = false');
    await conn.run('SET autoload_known_extensions = false');
    await conn.run(`SET memory_limit = ${lit(spec.memoryLimit ?? DEFAULT_SESSION_MEMORY_LIMIT)}`);
    await conn.run('SET lock_configuration = true');
  } catch (err) {
    conn.closeSync();
    instance.closeSync();
    throw err;
  }
  return { instance, conn, relations, unbuilt, area };
}

/**
 * A CustomerSession on the database of openCustomerDatabase. Every statement is also
 * checked on DuckDB's parse tree (sql-guard.ts) before it runs.
 */
export async function openDuckDBCustomerSession(spec: SessionSpec): Promise<CustomerSession> {
  const db = await openCustomerDatabase(spec);
  return new DuckDBCustomerSession(spec, db.instance, db.conn, db.relations, db.area, db.unbuilt);
}

class DuckDBCustomerSession implements CustomerSession {
  private readonly allowed: ReadonlySet<string>;
  private readonly unbuilt: ReadonlySet<string>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly spec: SessionSpec,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly relations: readonly string[],
    private readonly ownDir: string,
    unbuilt: readonly string[],
  ) {
    this.allowed = new Set(relations);
    this.unbuilt = new Set(unbuilt);
  }

  get customer(): string {
    return this.spec.customer;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async check(sql: string): Promise<void> {
    if (sql.includes('\0')) throw new SqlRejectedError('the statement contains a NUL character');
    // json_serialize_sql wants a constant: the text goes in as a standard SQL string
    // literal, in which only a doubled quote is special.
    const r = await this.conn.runAndReadAll(`SELECT json_serialize_sql(${lit(sql)})`);
    checkSerializedSql(String(r.getRows()[0]?.[0] ?? ''), this.allowed, this.unbuilt);
    let count = 0;
    try {
      count = (await this.conn.extractStatements(sql)).count;
    } catch (err) {
      throw new SqlExecutionError(firstLine(err), { cause: err });
    }
    if (count !== 1) throw new SqlRejectedError('exactly one statement per query is allowed');
  }

  /**
   * Runs `fn` under the statement timeout, and until `signal` aborts. An interrupted DuckDB
   * stream can simply end (no error, fewer rows), so the timeout and the signal are checked
   * after `fn` returns too: a statement interrupted never counts as a success, whatever
   * `fn` returned.
   */
  private async timed<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new SqlInterruptedError();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.conn.interrupt();
    }, this.spec.statementTimeoutMs);
    const interrupt = () => this.conn.interrupt();
    signal?.addEventListener('abort', interrupt, { once: true });
    try {
      const value = await fn();
      if (signal?.aborted) throw new SqlInterruptedError();
      if (timedOut) throw new SqlTimeoutError(this.spec.statementTimeoutMs);
      return value;
    } catch (err) {
      if (signal?.aborted) throw new SqlInterruptedError();
      if (timedOut) throw new SqlTimeoutError(this.spec.statementTimeoutMs);
      if (
        err instanceof RowLimitError ||
        err instanceof ResultTooLargeError ||
        err instanceof SqlRejectedError
      ) {
        // The stream was abandoned mid-way: stop the work behind it too.
        this.conn.interrupt();
        throw err;
      }
      if (/^Out of Memory Error/i.test(firstLine(err)))
        throw new SqlMemoryLimitError(this.spec.memoryLimit ?? DEFAULT_SESSION_MEMORY_LIMIT, {
          cause: err,
        });
      throw new SqlExecutionError(firstLine(err), { cause: err });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', interrupt);
    }
  }

  query(sql: string): Promise<SessionResult> {
    return this.serial(async () => {
      await this.check(sql);
      return this.timed(async () => {
        const result = await this.conn.stream(sql);
        const columns: ResultColumn[] = result
          .deduplicatedColumnNames()
          .map((name, i) => ({ name, type: result.columnType(i).toString() }));
        const rows: Row[] = [];
        const maxBytes = this.spec.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
        let bytes = 0;
        for await (const batch of result.yieldConvertedRowObjects(jsonValueConverter)) {
          if (rows.length + batch.length > this.spec.maxRows)
            throw new RowLimitError(this.spec.maxRows);
          for (const r of batch) {
            // The row's JSON text: close to what either output (JSON, pg text rows) sends.
            bytes += JSON.stringify(r).length;
            if (bytes > maxBytes) throw new ResultTooLargeError(maxBytes);
            rows.push(r as Row);
          }
        }
        return { columns, rows, bytes };
      });
    });
  }

  materialize(sql: string, file: string, signal?: AbortSignal): Promise<number> {
    return this.serial(async () => {
      const target = path.resolve(file);
      if (!target.startsWith(`${this.ownDir}/`))
        throw new SqlRejectedError(`${file} is outside the customer's area`);
      await this.check(sql);
      await fs.mkdir(path.dirname(target), { recursive: true });
      return this.timed(async () => {
        const r = await this.conn.runAndReadAll(
          `COPY (\n${sql.replace(/;\s*$/, '')}\n) TO ${lit(target)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        return Number(r.getRows()[0]?.[0] ?? 0);
      }, signal);
    });
  }

  async close(): Promise<void> {
    await this.queue;
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
