import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ParquetWriteError } from '../errors.js';
import type { LakeInput, ParquetOutput, ParquetWriter } from '../parquet-writer.js';
import {
  AMOUNT_TYPE,
  type LakeColumn,
  type LakeSource,
  type LakeTable,
  sourceOf,
  TABLE_COLUMNS,
} from '../tables.js';

const D = AMOUNT_TYPE;
/** How read_json types one input line of each source: the record as JSON plus its stream position. */
const INPUT_COLUMNS: Record<LakeSource, Record<string, string>> = {
  shopping: {
    _shard: 'INTEGER',
    _seq: 'BIGINT',
    id: 'VARCHAR',
    shoppedAt: 'VARCHAR',
    receivedAt: 'VARCHAR',
    pos: 'VARCHAR',
    origin: 'VARCHAR',
    destination: 'VARCHAR',
    departureDate: 'DATE',
    returnDate: 'DATE',
    tripType: 'VARCHAR',
    passengers: 'STRUCT(adults INTEGER, children INTEGER, infants INTEGER)',
    offers:
      `STRUCT(totalAmount ${D}, baseAmount ${D}, taxAmount ${D}, currency VARCHAR, perAdultAmount ${D}, ` +
      `passengerPrices STRUCT(type VARCHAR, count INTEGER, totalAmount ${D}, baseAmount ${D}, taxAmount ${D})[], ` +
      'validatingCarrier VARCHAR, carriers VARCHAR[], cabin VARCHAR, refundable BOOLEAN, seatsRemaining INTEGER, ' +
      'legs STRUCT(stops INTEGER, durationMinutes INTEGER, segments STRUCT(carrier VARCHAR, flightNumber VARCHAR, ' +
      'operatingCarrier VARCHAR, origin VARCHAR, destination VARCHAR, departAt VARCHAR, arriveAt VARCHAR, ' +
      'bookingClass VARCHAR, fareBasis VARCHAR, cabin VARCHAR)[])[])[]',
  },
  // The stats source hands rows over with `rejections` already a list of {reason, count}.
  stats: {
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
    rejections: 'STRUCT(reason VARCHAR, count BIGINT)[]',
    latencyP50Ms: 'DOUBLE',
    latencyP99Ms: 'DOUBLE',
  },
  deadLetters: {
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
  },
};

// Instants arrive as `...T05:00:00.000Z` (the record normalises them to UTC).
const instant = (c: string) => `strptime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ')`;

const SEARCH_KEY_EXPR: Record<string, string> = {
  shopped_at: instant('shoppedAt'),
  received_at: instant('receivedAt'),
  pos: 'pos',
  origin: 'origin',
  destination: 'destination',
  market: "origin || '-' || destination",
  departure_date: 'departureDate',
  return_date: 'returnDate',
  trip_type: 'tripType',
  adults: 'passengers.adults',
  children: 'passengers.children',
  infants: 'passengers.infants',
  stream_shard: '_shard',
  stream_seq: '_seq',
};

/** SQL expression of every column, per table; checked against TABLE_COLUMNS when the writer opens. */
const COLUMN_EXPR: Record<LakeTable, Record<string, string>> = {
  searches: {
    ...SEARCH_KEY_EXPR,
    id: 'id',
    lead_days: `departureDate - CAST(${instant('receivedAt')} AS DATE)`,
    stay_days: 'returnDate - departureDate',
    offer_count: 'len(offers)',
    min_total_amount: '_min.a',
    currency: '_min.c',
  },
  offers: {
    ...SEARCH_KEY_EXPR,
    search_id: 'id',
    offer_index: '_i - 1',
    total_amount: '_o.totalAmount',
    base_amount: '_o.baseAmount',
    tax_amount: '_o.taxAmount',
    per_adult_amount: '_o.perAdultAmount',
    currency: '_o.currency',
    validating_carrier: '_o.validatingCarrier',
    carriers: '_o.carriers',
    cabin: '_o.cabin',
    refundable: '_o.refundable',
    seats_remaining: '_o.seatsRemaining',
    stops: 'list_max(list_transform(_o.legs, lambda l: l.stops))',
    legs:
      'list_transform(_o.legs, lambda l: struct_pack(stops := l.stops, duration_minutes := l.durationMinutes, ' +
      'segments := list_transform(l.segments, lambda s: struct_pack(carrier := s.carrier, ' +
      'flight_number := s.flightNumber, operating_carrier := s.operatingCarrier, origin := s.origin, ' +
      'destination := s.destination, depart_at := s.departAt, arrive_at := s.arriveAt, ' +
      'booking_class := s.bookingClass, fare_basis := s.fareBasis, cabin := s.cabin))))',
    passenger_prices:
      'list_transform(_o.passengerPrices, lambda p: struct_pack(type := p.type, count := p.count, ' +
      'total_amount := p.totalAmount, base_amount := p.baseAmount, tax_amount := p.taxAmount))',
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
    stream_shard: '_shard',
    stream_seq: '_seq',
  },
};

const FROM: Record<LakeTable, string> = {
  // The cheapest offer of the search, with its currency (list_sort orders structs field by field).
  searches:
    "(SELECT *, list_sort(list_transform(offers, lambda o: {'a': o.totalAmount, 'c': o.currency}))[1] AS _min FROM src)",
  offers: 'src, unnest(offers) WITH ORDINALITY AS _t(_o, _i)',
  ingest_stats: 'src',
  dead_letters: 'src',
};
const ORDER: Record<LakeTable, string> = {
  searches: '_seq',
  offers: '_seq, _i',
  ingest_stats: '_seq',
  dead_letters: '_seq',
};

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A column beyond TABLE_COLUMNS, with the SQL expression (over the source's input columns) that fills it. */
export interface ExtraColumn extends LakeColumn {
  readonly expr: string;
}

function selectSql(table: LakeTable, extra: readonly ExtraColumn[] = []): string {
  const exprs = { ...COLUMN_EXPR[table] };
  for (const c of extra) exprs[c.name] = c.expr;
  const cols = [...TABLE_COLUMNS[table], ...extra].map((c) => {
    const e = exprs[c.name];
    if (e === undefined) throw new Error(`no expression for ${table}.${c.name}`);
    return `CAST(${e} AS ${c.type}) AS ${c.name}`;
  });
  return `SELECT ${cols.join(', ')} FROM ${FROM[table]} ORDER BY ${ORDER[table]}`;
}

/** Options of DuckDBParquetWriter. */
export interface DuckDBParquetWriterOptions {
  /** Directory for the NDJSON staging file of each write; created if missing. */
  stagingDir: string;
  /** DuckDB worker threads; default 2. */
  threads?: number;
  /**
   * Columns to add after TABLE_COLUMNS, per table: how a new optional field of a record
   * becomes a new column (and a new catalog schema version). Default none.
   */
  extraColumns?: Partial<Record<LakeTable, readonly ExtraColumn[]>>;
}

/**
 * ParquetWriter on an in-memory DuckDB: each write stages the records as NDJSON, reads
 * them into a temporary table with an explicit schema and runs one `COPY (SELECT ...) TO ... (FORMAT
 * parquet, COMPRESSION zstd)` per table. Calls must not overlap.
 */
export class DuckDBParquetWriter implements ParquetWriter {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly stagingDir: string,
    private readonly extra: Partial<Record<LakeTable, readonly ExtraColumn[]>>,
  ) {}

  static async open(options: DuckDBParquetWriterOptions): Promise<DuckDBParquetWriter> {
    await fs.mkdir(options.stagingDir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? 2),
    });
    const conn = await instance.connect();
    const extra = options.extraColumns ?? {};
    for (const t of Object.keys(COLUMN_EXPR) as LakeTable[]) selectSql(t, extra[t]);
    return new DuckDBParquetWriter(instance, conn, options.stagingDir, extra);
  }

  columns(table: LakeTable): readonly LakeColumn[] {
    const extra = (this.extra[table] ?? []).map(({ name, type }) => ({ name, type }));
    return [...TABLE_COLUMNS[table], ...extra];
  }

  async write(records: readonly LakeInput[], outputs: readonly ParquetOutput[]): Promise<void> {
    if (outputs.length === 0) return;
    const source = sourceOf(outputs[0]!.table);
    if (outputs.some((o) => sourceOf(o.table) !== source))
      throw new Error('one write builds tables of one source');
    const staging = path.join(this.stagingDir, `${randomBytes(8).toString('hex')}.ndjson`);
    const lines: string[] = [];
    for (const { shard, seq, record } of records) {
      lines.push(`{"_shard":${shard},"_seq":${seq},${JSON.stringify(record).slice(1)}\n`);
    }
    try {
      await fs.writeFile(staging, lines.join(''));
      const columns = Object.entries(INPUT_COLUMNS[source])
        .map(([k, v]) => `${k}: ${sqlString(v)}`)
        .join(', ');
      await this.conn.run(
        `CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM read_json(${sqlString(staging)}, ` +
          `format = 'newline_delimited', columns = {${columns}})`,
      );
      for (const out of outputs) {
        await this.conn.run(
          `COPY (${selectSql(out.table, this.extra[out.table])}) TO ${sqlString(out.path)} (FORMAT parquet, COMPRESSION zstd)`,
        );
      }
    } catch (err) {
      throw new ParquetWriteError(
        `writing ${outputs.map((o) => o.path).join(', ')} failed: ${(err as Error).message}`,
        outputs.map((o) => o.path),
        { cause: err },
      );
    } finally {
      await this.conn.run('DROP TABLE IF EXISTS src').catch(() => undefined);
      await fs.rm(staging, { force: true });
    }
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
