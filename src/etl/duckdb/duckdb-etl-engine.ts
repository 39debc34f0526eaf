import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { needsVarcharForHive } from '../../lake/catalog/hive-type.js';
import {
  emptyLakeTable,
  groupBySchema,
  readLakeFileGroups,
  sqlString,
} from '../../lake/duckdb/lake-table-sql.js';
import type { BuildResult, EtlEngine, InputFiles, OutputColumn } from '../etl-engine.js';
import { type JobDefinition, partitionKeyExpr } from '../job.js';

const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/**
 * The job's SQL with every column that Hive cannot read as DuckDB writes it (TIME,
 * INTERVAL, UUID, UNION: hive-type.ts) cast to VARCHAR, so `etl ddl` can describe every
 * pond and Athena can read its files.
 */
async function hiveReadableSql(conn: DuckDBConnection, sql: string): Promise<string> {
  const r = await conn.runAndReadAll(`DESCRIBE (${sql})`);
  const casts = r
    .getRowObjects()
    .filter((o) => needsVarcharForHive(String(o.column_type)))
    .map(
      (o) => `CAST(${ident(String(o.column_name))} AS VARCHAR) AS ${ident(String(o.column_name))}`,
    );
  return casts.length === 0 ? sql : `SELECT * REPLACE (${casts.join(', ')}) FROM (${sql}) AS raw`;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.name.endsWith('.parquet')) out.push(p);
  }
  return out;
}

function outOfMemory(err: unknown): boolean {
  return /Out of Memory/i.test((err as Error).message);
}

const interrupted = () => new Error('ETL query interrupted: the process is stopping');

/** Settles when `p` does, or rejects once `signal` has aborted (at once if it has). */
function untilSettledOrAborted(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/**
 * EtlEngine on in-memory DuckDB. Each call opens a DuckDB instance of its own, closed when
 * the call ends, with temporary views named after the input tables: over `read_parquet`
 * of the given files (Hive partition columns typed as in the lake), filtered to rows
 * received within `[key - 1 day, key + lateDays]` of their incremental key, or typed and
 * empty when there are no files. An instance keeps much of what a scan of many files took
 * until it closes: the four pond jobs over a copy of the demo's 10,772 history files left
 * the process at 1.4 GB RSS on one long-lived instance, 0.28 GB with an instance per call
 * (docs/benchmarks.md), and the ETL runs every few minutes beside the API. The files are
 * read grouped by schema (readLakeFileGroups), not with `union_by_name`, which holds every
 * file it opened to bind the query until the query ends.
 *
 * Calls run one at a time, each after the one before has closed its instance: at the
 * demo's first runs over the history the scheduler fired three pond jobs in one minute,
 * and three 7-day builds at once took a process from 100 to 552-609 MB, in turn to
 * 384-400 MB (docs/etl.md, "ETL memory"). On a machine's few cores the jobs gain
 * little by overlapping; a call waits, and a stop while it waits rejects it at once.
 */
export class DuckDBEtlEngine implements EtlEngine {
  private constructor(
    private readonly threads: number,
    private readonly memoryLimit: string,
    private readonly spillDir: string,
  ) {}

  /** Settles when the last call given the engine has closed its instance. */
  private lane: Promise<void> = Promise.resolve();

  /** DuckDB instances open now, and the most ever open at once (one, by the lane). */
  readonly instances = { open: 0, most: 0 };

  /**
   * Opens the engine; `threads` (of each call's instance) default 2; `memoryLimit` of a
   * build, DuckDB's notation, default `none` (`up` and the ETL role give it
   * `etl.memoryLimit`, 128MB by default: config.ts DEFAULT_ETL_MEMORY_LIMIT); `spillDir`
   * where a build spills, default a folder of the system's temporary directory.
   */
  static async open(
    opts: { threads?: number; memoryLimit?: string; spillDir?: string } = {},
  ): Promise<DuckDBEtlEngine> {
    return new DuckDBEtlEngine(
      opts.threads ?? 2,
      opts.memoryLimit ?? 'none',
      opts.spillDir ?? path.join(os.tmpdir(), 'faresight-etl-spill'),
    );
  }

  /** Calls in flight started with a call id (by the engine's thread), so `interrupt` can find them. */
  private readonly byId = new Map<string, AbortController>();

  /**
   * A signal for a call: the caller's own, or, for a call id (a signal cannot cross to a
   * thread), one `interrupt(id)` aborts. `done` forgets the id.
   */
  private stopOf(stop: AbortSignal | string | undefined): {
    signal: AbortSignal | undefined;
    done: () => void;
  } {
    if (typeof stop !== 'string') return { signal: stop, done: () => undefined };
    const c = new AbortController();
    this.byId.set(stop, c);
    return { signal: c.signal, done: () => this.byId.delete(stop) };
  }

  /** Interrupts the call started with `callId` (it rejects); nothing when it has ended. */
  async interrupt(callId: string): Promise<void> {
    this.byId.get(callId)?.abort();
  }

  private async withInputs<R>(
    job: JobDefinition,
    files: InputFiles,
    fn: (c: DuckDBConnection, check: () => void) => Promise<R>,
    stop?: AbortSignal | string,
    memoryLimit = 'none',
  ): Promise<R> {
    const { signal, done } = this.stopOf(stop);
    // Before each statement (the interrupt reaches only the one running).
    const check = () => {
      if (signal?.aborted) throw interrupted();
    };
    const before = this.lane;
    let release!: () => void;
    this.lane = new Promise<void>((r) => {
      release = r;
    });
    try {
      await untilSettledOrAborted(before, signal);
      check();
      const instance = await DuckDBInstance.create(':memory:', {
        threads: String(this.threads),
        ...(memoryLimit === 'none'
          ? {}
          : { memory_limit: memoryLimit, temp_directory: this.spillDir }),
      });
      this.instances.open++;
      this.instances.most = Math.max(this.instances.most, this.instances.open);
      let conn: DuckDBConnection | undefined;
      const interrupt = () => conn?.interrupt();
      try {
        conn = await instance.connect();
        signal?.addEventListener('abort', interrupt, { once: true });
        return await this.withViews(job, files, conn, check, fn);
      } finally {
        signal?.removeEventListener('abort', interrupt);
        conn?.closeSync();
        instance.closeSync();
        this.instances.open--;
      }
    } finally {
      done();
      // a call stopped while it waited lets the next one go only after the call before it
      void before.then(release);
    }
  }

  /** Makes the input tables views over their files, then runs `fn`. */
  private async withViews<R>(
    job: JobDefinition,
    files: InputFiles,
    conn: DuckDBConnection,
    check: () => void,
    fn: (c: DuckDBConnection, check: () => void) => Promise<R>,
  ): Promise<R> {
    for (const table of job.inputs) {
      check();
      const list = files[table] ?? [];
      if (list.length > 0) {
        const key = `CAST(${job.incrementalKey} AS DATE)`;
        await conn.run(
          `CREATE OR REPLACE TEMP VIEW ${table} AS ` +
            `SELECT * FROM ${readLakeFileGroups(await groupBySchema(conn, list))} ` +
            `WHERE dt BETWEEN ${key} - 1 AND ${key} + ${job.lateDays}`,
        );
      } else {
        await conn.run(`CREATE OR REPLACE TEMP VIEW ${table} AS ${emptyLakeTable(table)}`);
      }
    }
    check();
    return await fn(conn, check);
  }

  /** `stop`: the caller's signal, or a call id `interrupt` takes (the engine's thread). */
  async affectedKeys(
    job: JobDefinition,
    files: InputFiles,
    stop?: AbortSignal | string,
  ): Promise<string[]> {
    return this.withInputs(
      job,
      files,
      async (conn) => {
        const parts = job.inputs.map(
          (t) => `SELECT DISTINCT CAST(${partitionKeyExpr(job)} AS VARCHAR) AS k FROM ${t}`,
        );
        const r = await conn.runAndReadAll(`${parts.join(' UNION ')} ORDER BY 1`);
        return r.getRows().map((row) => String(row[0]));
      },
      stop,
    );
  }

  /** `stop`: as for affectedKeys. */
  async build(
    job: JobDefinition,
    files: InputFiles,
    keys: readonly string[],
    outDir: string,
    stop?: AbortSignal | string,
  ): Promise<BuildResult> {
    if (keys.length === 0) return { rows: 0, bytes: 0, partitions: [] };
    const copy = async (conn: DuckDBConnection, check: () => void) => {
      await fs.mkdir(outDir, { recursive: true });
      const readable = await hiveReadableSql(conn, job.sql.replace(/;\s*$/, ''));
      check();
      const sql =
        `COPY (SELECT * FROM (${readable}) AS job ` +
        `WHERE ${job.partitionColumn} IN (${keys.map((k) => `DATE ${sqlString(k)}`).join(', ')})) ` +
        `TO ${sqlString(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${job.partitionColumn}), OVERWRITE_OR_IGNORE)`;
      const r = await conn.runAndReadAll(sql);
      return Number(r.getRows()[0]?.[0] ?? 0);
    };
    let rows: number;
    let overLimit: string | undefined;
    try {
      rows = await this.withInputs(job, files, copy, stop, this.memoryLimit);
    } catch (err) {
      if (this.memoryLimit === 'none' || !outOfMemory(err)) throw err;
      // rather than leave the pond unbuilt: again without a limit, from an empty folder
      overLimit = (err as Error).message.split('\n')[0];
      await fs.rm(outDir, { recursive: true, force: true });
      rows = await this.withInputs(job, files, copy, stop);
    }
    let bytes = 0;
    for (const f of await filesUnder(outDir)) bytes += (await fs.stat(f)).size;
    const prefix = `${job.partitionColumn}=`;
    const partitions = (await fs.readdir(outDir))
      .filter((n) => n.startsWith(prefix))
      .map((n) => decodeURIComponent(n.slice(prefix.length)))
      .sort();
    return { rows, bytes, partitions, ...(overLimit === undefined ? {} : { overLimit }) };
  }

  async describe(job: JobDefinition): Promise<OutputColumn[]> {
    return this.withInputs(job, {}, async (conn) => {
      const sql = await hiveReadableSql(conn, job.sql.replace(/;\s*$/, ''));
      const r = await conn.runAndReadAll(`DESCRIBE (${sql})`);
      return r
        .getRowObjects()
        .map((o) => ({ name: String(o.column_name), type: String(o.column_type) }));
    });
  }

  /** Nothing stays open between calls. */
  async close(): Promise<void> {}
}
