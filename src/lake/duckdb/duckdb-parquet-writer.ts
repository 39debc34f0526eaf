import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { LakeStorageError, ParquetWriteError } from '../errors.js';
import type { LakeInput, ParquetOutput, ParquetWriter } from '../parquet-writer.js';
import {
  AMOUNT_TYPE,
  type LakeColumn,
  type LakeTable,
  sourceOf,
  TABLE_COLUMNS,
} from '../tables.js';
import { sqlString } from './lake-table-sql.js';
import { type StagedInput, stageShoppingSlices } from './shopping-staging.js';
import {
  type StagingCrashMode,
  StagingThread,
  StagingThreadError,
  type StagingThreadEvent,
} from './staging-thread.js';
import { storageFailure } from './storage-failure.js';

const D = AMOUNT_TYPE;

/** The search fields of a staged shopping line (see shopping-staging.ts), as read_json types them. */
const STAGED_SEARCH: Record<string, string> = {
  _shard: 'INTEGER',
  _seq: 'BIGINT',
  id: 'VARCHAR',
  shopped_at: 'BIGINT',
  received_at: 'BIGINT',
  pos: 'VARCHAR',
  origin: 'VARCHAR',
  destination: 'VARCHAR',
  departure_date: 'DATE',
  return_date: 'DATE',
  trip_type: 'VARCHAR',
  passengers: 'STRUCT(adults INTEGER, children INTEGER, infants INTEGER)',
};

/** Type of a lake column, from TABLE_COLUMNS. */
const lakeType = (table: LakeTable, name: string) =>
  TABLE_COLUMNS[table].find((c) => c.name === name)!.type;

/**
 * How read_json types the staged lines of each table: per table, not per source, since a
 * shopping record is staged as one line per search and one line per offer.
 */
const INPUT_COLUMNS: Record<LakeTable, Record<string, string>> = {
  searches: {
    ...STAGED_SEARCH,
    offer_count: 'INTEGER',
    min_total_amount: D,
    currency: 'VARCHAR',
  },
  offers: {
    ...STAGED_SEARCH,
    offer_index: 'INTEGER',
    total_amount: D,
    base_amount: D,
    tax_amount: D,
    currency: 'VARCHAR',
    per_adult_amount: D,
    passenger_prices: lakeType('offers', 'passenger_prices'),
    validating_carrier: 'VARCHAR',
    carriers: 'VARCHAR[]',
    cabin: 'VARCHAR',
    refundable: 'BOOLEAN',
    seats_remaining: 'INTEGER',
    amounts_inconsistent: 'BOOLEAN',
    legs: lakeType('offers', 'legs'),
  },
  // The stats source hands rows over with `rejections` and `flaggedRecords` already lists
  // of {reason, count} and {flag, count}.
  ingest_stats: {
    _shard: 'INTEGER',
    _seq: 'BIGINT',
    id: 'VARCHAR',
    periodStart: 'VARCHAR',
    periodSeconds: 'INTEGER',
    host: 'VARCHAR',
    pid: 'INTEGER',
    requests: 'BIGINT',
    records: 'BIGINT',
    offers: 'BIGINT',
    bytesIn: 'BIGINT',
    inconsistentOffers: 'BIGINT',
    flaggedRecords: 'STRUCT(flag VARCHAR, count BIGINT)[]',
    rejections: 'STRUCT(reason VARCHAR, count BIGINT)[]',
    latencyP50Ms: 'DOUBLE',
    latencyP99Ms: 'DOUBLE',
  },
  dead_letters: {
    _shard: 'INTEGER',
    _seq: 'BIGINT',
    id: 'VARCHAR',
    stage: 'VARCHAR',
    receivedAt: 'VARCHAR',
    rejected: 'STRUCT("index" INTEGER, reason VARCHAR)[]',
    contentType: 'VARCHAR',
    payloadSha256: 'VARCHAR',
    payloadBytes: 'BIGINT',
    payload: 'VARCHAR',
    payloadEncoding: 'VARCHAR',
    payloadObject: 'VARCHAR',
    requestId: 'VARCHAR',
  },
};

// Side-stream instants arrive as `...T05:00:00.000Z`; shopping instants as epoch ms.
const instant = (c: string) => `strptime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ')`;

const SEARCH_KEY_EXPR: Record<string, string> = {
  shopped_at: 'epoch_ms(shopped_at)',
  received_at: 'epoch_ms(received_at)',
  pos: 'pos',
  origin: 'origin',
  destination: 'destination',
  market: "origin || '-' || destination",
  departure_date: 'departure_date',
  return_date: 'return_date',
  trip_type: 'trip_type',
  adults: 'passengers.adults',
  children: 'passengers.children',
  infants: 'passengers.infants',
  stream_shard: '_shard',
  stream_seq: '_seq',
};

/**
 * SQL expression of every column over the staged lines, per table; checked against
 * TABLE_COLUMNS when the writer opens. Staged shopping lines already have the lake's
 * shape, so these are almost all plain column references.
 */
const COLUMN_EXPR: Record<LakeTable, Record<string, string>> = {
  searches: {
    ...SEARCH_KEY_EXPR,
    id: 'id',
    lead_days: 'departure_date - CAST(epoch_ms(received_at) AS DATE)',
    stay_days: 'return_date - departure_date',
    offer_count: 'offer_count',
    min_total_amount: 'min_total_amount',
    currency: 'currency',
  },
  offers: {
    ...SEARCH_KEY_EXPR,
    search_id: 'id',
    offer_index: 'offer_index',
    total_amount: 'total_amount',
    base_amount: 'base_amount',
    tax_amount: 'tax_amount',
    per_adult_amount: 'per_adult_amount',
    currency: 'currency',
    validating_carrier: 'validating_carrier',
    carriers: 'carriers',
    cabin: 'cabin',
    refundable: 'refundable',
    seats_remaining: 'seats_remaining',
    stops: 'list_max(list_transform(legs, lambda l: l.stops))',
    // Records of schema v1 have no flag: their offers count as consistent.
    amounts_inconsistent: 'coalesce(amounts_inconsistent, false)',
    legs: 'legs',
    passenger_prices: 'passenger_prices',
  },
  ingest_stats: {
    id: 'id',
    period_start: instant('periodStart'),
    period_seconds: 'periodSeconds',
    host: 'host',
    pid: 'pid',
    requests: 'requests',
    records: 'records',
    offers: 'offers',
    bytes_in: 'bytesIn',
    // Rows written before the count existed have none: read as 0.
    inconsistent_offers: 'coalesce(inconsistentOffers, 0)',
    flagged_records: 'flaggedRecords',
    rejections: 'rejections',
    latency_p50_ms: 'latencyP50Ms',
    latency_p99_ms: 'latencyP99Ms',
    stream_shard: '_shard',
    stream_seq: '_seq',
  },
  dead_letters: {
    id: 'id',
    stage: 'stage',
    received_at: instant('receivedAt'),
    rejected: 'rejected',
    content_type: 'contentType',
    payload_sha256: 'payloadSha256',
    payload_bytes: 'payloadBytes',
    payload: 'payload',
    payload_encoding: 'payloadEncoding',
    payload_object: 'payloadObject',
    request_id: 'requestId',
    stream_shard: '_shard',
    stream_seq: '_seq',
  },
};

/** A column beyond TABLE_COLUMNS, with the SQL expression (over the table's staged columns) that fills it. */
export interface ExtraColumn extends LakeColumn {
  readonly expr: string;
}

/** The staged-line reader of `table` from file `staging`. */
function readSql(table: LakeTable, staging: string): string {
  const columns = Object.entries(INPUT_COLUMNS[table])
    .map(([k, v]) => `${k}: ${sqlString(v)}`)
    .join(', ');
  return `read_json(${sqlString(staging)}, format = 'newline_delimited', columns = {${columns}})`;
}

/**
 * The query of one table's rows. Lines are staged in stream order and DuckDB keeps the
 * insertion order, so the rows come out in (seq, offer_index) order without a sort.
 */
function selectSql(table: LakeTable, staging: string, extra: readonly ExtraColumn[] = []): string {
  const exprs = { ...COLUMN_EXPR[table] };
  for (const c of extra) exprs[c.name] = c.expr;
  const cols = [...TABLE_COLUMNS[table], ...extra].map((c) => {
    const e = exprs[c.name];
    if (e === undefined) throw new Error(`no expression for ${table}.${c.name}`);
    return `CAST(${e} AS ${c.type}) AS ${c.name}`;
  });
  return `SELECT ${cols.join(', ')} FROM ${readSql(table, staging)}`;
}

/** `level` if it is a zstd level (an integer 1-22); throws a RangeError otherwise. */
export function compressionLevelOf(level: number): number {
  if (!Number.isInteger(level) || level < 1 || level > 22)
    throw new RangeError(`zstd compression level must be an integer 1-22, not ${level}`);
  return level;
}

/**
 * DuckDB threads by default: one core fewer than the machine has, at least one. The
 * staging thread transcodes on the core left over; on 2 cores, 2 DuckDB threads beside
 * it made the lake writer about 20% slower than 1 (measured with `npm run bench -- lake`,
 * interleaved runs: 63-69k against 73-85k offers/s).
 */
function defaultThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/** Options of DuckDBParquetWriter. */
export interface DuckDBParquetWriterOptions {
  /** Directory for the NDJSON staging files of each write; created if missing. */
  stagingDir: string;
  /** DuckDB worker threads; default one fewer than the machine's cores, at least 1. */
  threads?: number;
  /**
   * zstd level of the Parquet files, 1-22; default 1. Level 1 against DuckDB's default 3:
   * about 10% less encoding CPU for files about 3% bigger (`lake compact` recompresses).
   */
  compressionLevel?: number;
  /**
   * Columns to add after TABLE_COLUMNS, per table: how a new optional field of a record
   * becomes a new column (and a new catalog schema version). Default none.
   */
  extraColumns?: Partial<Record<LakeTable, readonly ExtraColumn[]>>;
  /**
   * Transcode shopping records on a worker thread of their own; default true. False
   * stages on the caller's thread (in slices, between which its event loop runs). A
   * thread that dies is restarted after a back-off (see staging-thread.ts); meanwhile
   * records are staged on the caller's thread.
   */
  stagingThread?: boolean;
  /**
   * Told when the staging thread dies and when a new one has taken over; for logs. Must
   * not throw. Default none.
   */
  onStagingThreadEvent?: (e: StagingThreadEvent) => void;
}

/**
 * ParquetWriter on an in-memory DuckDB: each write stages each table's rows as NDJSON
 * (shopping records transcoded from their Avro bytes straight into the lake's shape, see
 * shopping-staging.ts) and runs one `COPY (SELECT ... FROM read_json(...)) TO ... (FORMAT
 * parquet, COMPRESSION zstd)` per table, with an explicit schema. Calls may overlap: each
 * runs on a connection of its own, so one call's staging (JavaScript, on the main thread)
 * runs while another's COPY runs in DuckDB's threads.
 */
export class DuckDBParquetWriter implements ParquetWriter {
  private constructor(
    private readonly instance: DuckDBInstance,
    /** Idle connections; each write takes one (or opens one), so writes may overlap. */
    private readonly idle: DuckDBConnection[],
    private readonly stagingDir: string,
    private readonly extra: Partial<Record<LakeTable, readonly ExtraColumn[]>>,
    private readonly thread: StagingThread | undefined,
    private readonly compressionLevel: number,
  ) {}

  static async open(options: DuckDBParquetWriterOptions): Promise<DuckDBParquetWriter> {
    const level = compressionLevelOf(options.compressionLevel ?? 1);
    await fs.mkdir(options.stagingDir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? defaultThreads()),
    });
    const conn = await instance.connect();
    const extra = options.extraColumns ?? {};
    for (const t of Object.keys(COLUMN_EXPR) as LakeTable[]) selectSql(t, 'check', extra[t]);
    const thread =
      options.stagingThread === false
        ? undefined
        : await StagingThread.start({ onEvent: options.onStagingThreadEvent });
    return new DuckDBParquetWriter(instance, [conn], options.stagingDir, extra, thread, level);
  }

  /** Runs one statement on an idle connection. */
  private async run(sql: string): Promise<void> {
    const conn = this.idle.pop() ?? (await this.instance.connect());
    try {
      await conn.run(sql);
    } finally {
      this.idle.push(conn);
    }
  }

  /** Staging threads started after a failure so far (0 without a staging thread). */
  get stagingThreadRestarts(): number {
    return this.thread?.restarts ?? 0;
  }

  /** Test hook, never for production: makes the staging thread die (see StagingThread.crashForTesting). */
  crashStagingThreadForTesting(mode: StagingCrashMode): void {
    if (!this.thread) throw new Error('this writer has no staging thread');
    this.thread.crashForTesting(mode);
  }

  columns(table: LakeTable): readonly LakeColumn[] {
    const extra = (this.extra[table] ?? []).map(({ name, type }) => ({ name, type }));
    return [...TABLE_COLUMNS[table], ...extra];
  }

  /**
   * See ParquetWriter.write. Also rejects with StagingThreadError (not a ParquetWriteError)
   * when the staging thread died before staging the records: no record is at fault, and
   * the write may simply be retried.
   */
  async write(records: readonly LakeInput[], outputs: readonly ParquetOutput[]): Promise<void> {
    if (outputs.length === 0) return;
    const source = sourceOf(outputs[0]!.table);
    if (outputs.some((o) => sourceOf(o.table) !== source))
      throw new Error('one write builds tables of one source');
    const base = path.join(this.stagingDir, randomBytes(8).toString('hex'));
    const staged = outputs.map((out) => ({ out, staging: `${base}.${out.table}.ndjson` }));
    try {
      if (source === 'shopping') await this.stageShopping(records, staged);
      else {
        const lines: string[] = [];
        for (const { shard, seq, record } of records) {
          if (!record) throw new Error(`${source} input ${shard}/${seq} has no record`);
          lines.push(`{"_shard":${shard},"_seq":${seq},${JSON.stringify(record).slice(1)}\n`);
        }
        const text = lines.join('');
        for (const { staging } of staged) await fs.writeFile(staging, text);
      }
      // The tables' COPYs run at once, each on a connection of its own.
      await Promise.all(
        staged.map(({ out, staging }) =>
          this.run(
            `COPY (${selectSql(out.table, staging, this.extra[out.table])}) TO ${sqlString(out.path)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${this.compressionLevel})`,
          ),
        ),
      );
    } catch (err) {
      // kept apart so that the lake writer retries the file instead of hunting a bad record
      if (err instanceof StagingThreadError) throw err;
      const message = `writing ${outputs.map((o) => o.path).join(', ')} failed: ${(err as Error).message}`;
      // the disk's fault, not a record's: retried whole, never bisected into dead letters
      const storage = storageFailure(err);
      if (storage) throw new LakeStorageError(message, storage, { cause: err });
      throw new ParquetWriteError(
        message,
        outputs.map((o) => o.path),
        { cause: err },
      );
    } finally {
      for (const { staging } of staged) await fs.rm(staging, { force: true });
    }
  }

  /**
   * Transcodes shopping records into the staging files of `staged`: on the staging thread
   * when one is up, else here, yielding to the event loop every few thousand records
   * so that a large file does not stall a process that also serves requests.
   */
  private async stageShopping(
    records: readonly LakeInput[],
    staged: readonly { out: ParquetOutput; staging: string }[],
  ): Promise<void> {
    const files: { searches?: string; offers?: string } = {};
    for (const { out, staging } of staged)
      if (out.table === 'searches' || out.table === 'offers') files[out.table] = staging;
    const inputs: StagedInput[] = records.map(({ shard, seq, data }) => {
      if (!data) throw new Error(`shopping input ${shard}/${seq} has no data`);
      return { shard, seq, data };
    });
    if (this.thread?.up) return this.thread.stage(inputs, files);
    for (const _ of stageShoppingSlices(inputs, files)) await new Promise((r) => setImmediate(r));
  }

  async close(): Promise<void> {
    await this.thread?.close();
    for (const c of this.idle.splice(0)) c.closeSync();
    this.instance.closeSync();
  }
}
