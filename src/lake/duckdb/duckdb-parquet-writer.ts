import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ParquetWriteError } from '../errors.js';
import type { LakeInput, ParquetOutput, ParquetWriter } from '../parquet-writer.js';
import { AMOUNT_TYPE, type LakeTable, TABLE_COLUMNS } from '../tables.js';

const D = AMOUNT_TYPE;
/** How read_json types one input line: the record as JSON plus its stream position. */
const INPUT_COLUMNS: Record<string, string> = {
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
};

const FROM: Record<LakeTable, string> = {
  // The cheapest offer of the search, with its currency (list_sort orders structs field by field).
  searches:
    "(SELECT *, list_sort(list_transform(offers, lambda o: {'a': o.totalAmount, 'c': o.currency}))[1] AS _min FROM src)",
  offers: 'src, unnest(offers) WITH ORDINALITY AS _t(_o, _i)',
};
const ORDER: Record<LakeTable, string> = { searches: '_seq', offers: '_seq, _i' };

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function selectSql(table: LakeTable): string {
  const exprs = COLUMN_EXPR[table];
  const cols = TABLE_COLUMNS[table].map((c) => {
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
  ) {}

  static async open(options: DuckDBParquetWriterOptions): Promise<DuckDBParquetWriter> {
    await fs.mkdir(options.stagingDir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? 2),
    });
    const conn = await instance.connect();
    for (const t of Object.keys(COLUMN_EXPR) as LakeTable[]) selectSql(t);
    return new DuckDBParquetWriter(instance, conn, options.stagingDir);
  }

  async write(records: readonly LakeInput[], outputs: readonly ParquetOutput[]): Promise<void> {
    if (outputs.length === 0) return;
    const staging = path.join(this.stagingDir, `${randomBytes(8).toString('hex')}.ndjson`);
    const lines: string[] = [];
    for (const { shard, seq, record } of records) {
      lines.push(`{"_shard":${shard},"_seq":${seq},${JSON.stringify(record).slice(1)}\n`);
    }
    try {
      await fs.writeFile(staging, lines.join(''));
      const columns = Object.entries(INPUT_COLUMNS)
        .map(([k, v]) => `${k}: ${sqlString(v)}`)
        .join(', ');
      await this.conn.run(
        `CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM read_json(${sqlString(staging)}, ` +
          `format = 'newline_delimited', columns = {${columns}})`,
      );
      for (const out of outputs) {
        await this.conn.run(
          `COPY (${selectSql(out.table)}) TO ${sqlString(out.path)} (FORMAT parquet, COMPRESSION zstd)`,
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
