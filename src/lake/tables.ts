/**
 * The lake's tables as every engine sees them: column names (snake_case) and SQL types,
 * plus the Hive partition keys that come from the path, not from the files. This is the
 * one description of the lake schema; the Parquet writer produces exactly these columns
 * and the query engine uses them to type a table that has no files yet.
 */

/** Every table of the lake. */
export const LAKE_TABLES = ['searches', 'offers', 'ingest_stats', 'dead_letters'] as const;
export type LakeTable = (typeof LAKE_TABLES)[number];

/** Streams the lake writer consumes: the shopping stream and the two side streams of ingest. */
export const LAKE_SOURCES = ['shopping', 'stats', 'deadLetters'] as const;
export type LakeSource = (typeof LAKE_SOURCES)[number];

/** Tables built from each source's records. */
export const SOURCE_TABLES: Readonly<Record<LakeSource, readonly LakeTable[]>> = {
  shopping: ['searches', 'offers'],
  stats: ['ingest_stats'],
  deadLetters: ['dead_letters'],
};

/** The source whose records build `table`. */
export function sourceOf(table: LakeTable): LakeSource {
  for (const s of LAKE_SOURCES) if (SOURCE_TABLES[s].includes(table)) return s;
  throw new Error(`table ${table} has no source`);
}

/** One column: its name and its SQL type (DuckDB spelling, close to Hive/Athena). */
export interface LakeColumn {
  readonly name: string;
  readonly type: string;
}

/**
 * Partition columns, taken from the path `vendor=<v>/dt=<YYYY-MM-DD>/hour=<HH>`.
 * They are not stored inside the files (Athena and Glue reject a column that is both).
 */
export const PARTITION_COLUMNS: readonly LakeColumn[] = [
  { name: 'vendor', type: 'VARCHAR' },
  { name: 'dt', type: 'DATE' },
  { name: 'hour', type: 'INTEGER' },
];

/** Exact money: every ISO 4217 minor unit has at most 3 digits. */
export const AMOUNT_TYPE = 'DECIMAL(18,3)';

const SEGMENT_TYPE =
  'STRUCT(carrier VARCHAR, flight_number VARCHAR, operating_carrier VARCHAR, origin VARCHAR, ' +
  'destination VARCHAR, depart_at VARCHAR, arrive_at VARCHAR, booking_class VARCHAR, ' +
  'fare_basis VARCHAR, cabin VARCHAR)';
const LEG_TYPE = `STRUCT(stops INTEGER, duration_minutes INTEGER, segments ${SEGMENT_TYPE}[])`;
const PASSENGER_PRICE_TYPE = `STRUCT(type VARCHAR, count INTEGER, total_amount ${AMOUNT_TYPE}, base_amount ${AMOUNT_TYPE}, tax_amount ${AMOUNT_TYPE})`;

const col = (name: string, type: string): LakeColumn => ({ name, type });

/** Search keys shared by both tables (`offers` denormalises them). */
const SEARCH_KEYS: readonly LakeColumn[] = [
  col('shopped_at', 'TIMESTAMP'),
  col('received_at', 'TIMESTAMP'),
  col('pos', 'VARCHAR'),
  col('origin', 'VARCHAR'),
  col('destination', 'VARCHAR'),
  col('market', 'VARCHAR'),
  col('departure_date', 'DATE'),
  col('return_date', 'DATE'),
  col('trip_type', 'VARCHAR'),
  col('adults', 'INTEGER'),
  col('children', 'INTEGER'),
  col('infants', 'INTEGER'),
];

/**
 * Columns stored in each table's files, in order. Timestamps are UTC instants stored as
 * TIMESTAMP without zone; segment `depart_at`/`arrive_at` are local date-times as the
 * vendor gave them (`YYYY-MM-DDTHH:mm[:ss]`). `stream_shard`/`stream_seq` say where the
 * record came from on the stream.
 */
export const TABLE_COLUMNS: Readonly<Record<LakeTable, readonly LakeColumn[]>> = {
  searches: [
    col('id', 'VARCHAR'),
    ...SEARCH_KEYS,
    col('lead_days', 'INTEGER'),
    col('stay_days', 'INTEGER'),
    col('offer_count', 'INTEGER'),
    col('min_total_amount', AMOUNT_TYPE),
    col('currency', 'VARCHAR'),
    col('stream_shard', 'INTEGER'),
    col('stream_seq', 'BIGINT'),
  ],
  offers: [
    col('search_id', 'VARCHAR'),
    ...SEARCH_KEYS,
    col('offer_index', 'INTEGER'),
    col('total_amount', AMOUNT_TYPE),
    col('base_amount', AMOUNT_TYPE),
    col('tax_amount', AMOUNT_TYPE),
    col('per_adult_amount', AMOUNT_TYPE),
    col('currency', 'VARCHAR'),
    col('validating_carrier', 'VARCHAR'),
    col('carriers', 'VARCHAR[]'),
    col('cabin', 'VARCHAR'),
    col('refundable', 'BOOLEAN'),
    col('seats_remaining', 'INTEGER'),
    col('stops', 'INTEGER'),
    col('amounts_inconsistent', 'BOOLEAN'),
    col('legs', `${LEG_TYPE}[]`),
    col('passenger_prices', `${PASSENGER_PRICE_TYPE}[]`),
    col('stream_shard', 'INTEGER'),
    col('stream_seq', 'BIGINT'),
  ],
  /** One row per IngestStatsRow; partitioned by its periodStart. */
  ingest_stats: [
    col('id', 'VARCHAR'),
    col('period_start', 'TIMESTAMP'),
    col('period_seconds', 'INTEGER'),
    col('host', 'VARCHAR'),
    col('pid', 'INTEGER'),
    col('requests', 'BIGINT'),
    col('records', 'BIGINT'),
    col('offers', 'BIGINT'),
    col('bytes_in', 'BIGINT'),
    col('inconsistent_offers', 'BIGINT'),
    col('flagged_records', 'STRUCT(flag VARCHAR, count BIGINT)[]'),
    col('rejections', 'STRUCT(reason VARCHAR, count BIGINT)[]'),
    col('latency_p50_ms', 'DOUBLE'),
    col('latency_p99_ms', 'DOUBLE'),
    col('stream_shard', 'INTEGER'),
    col('stream_seq', 'BIGINT'),
  ],
  /** One row per DeadLetter, with its raw payload; partitioned by its receivedAt. */
  dead_letters: [
    col('id', 'VARCHAR'),
    col('stage', 'VARCHAR'),
    col('received_at', 'TIMESTAMP'),
    col('rejected', 'STRUCT("index" INTEGER, reason VARCHAR)[]'),
    col('content_type', 'VARCHAR'),
    col('payload_sha256', 'VARCHAR'),
    col('payload_bytes', 'BIGINT'),
    col('payload', 'VARCHAR'),
    col('payload_encoding', 'VARCHAR'),
    col('payload_object', 'VARCHAR'),
    col('request_id', 'VARCHAR'),
    col('stream_shard', 'INTEGER'),
    col('stream_seq', 'BIGINT'),
  ],
};
