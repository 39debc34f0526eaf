/**
 * The one typed configuration of Faresight. Its zod schema is the single source of
 * defaults and validation; `loadConfig` (load-config.ts) reads it from a file and the
 * environment once at the edge and hands the rest of the code a readonly value.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import {
  DEFAULT_COMPACT_COMPRESSION_LEVEL,
  DEFAULT_COMPRESSION_LEVEL,
  DEFAULT_MAX_OPEN_BYTES,
  DEFAULT_ROTATE_BYTES,
} from '../lake/lake-defaults.js';
import { localObjectStoreBackend } from '../lake/object-store/local/local-backend.js';
import { s3ObjectStoreBackend } from '../lake/object-store/s3/s3-backend.js';
import {
  DEFAULT_MAX_CLOCK_SKEW_MS,
  DEFAULT_VALIDATION_POLICY,
  UNKNOWN_AIRPORT_POLICIES,
  type ValidationPolicy,
} from '../model/validation-policy.js';
import { DEFAULT_CACHE_STALE_SECONDS } from '../serving/cache/cached-reads.js';
import { memoryCacheBackend } from '../serving/cache/memory/memory-backend.js';
import { redisCacheBackend } from '../serving/cache/redis/redis-backend.js';
import { pgliteBackend } from '../sql/pglite/pglite-backend.js';
import { postgresBackend } from '../sql/postgres/postgres-backend.js';
import { batchPolicySchema } from '../stream/batch-policy.js';
import { embeddedStreamBackend } from '../stream/embedded/embedded-backend.js';
import { jetstreamStreamBackend } from '../stream/jetstream/jetstream-backend.js';
import { kinesisStreamBackend } from '../stream/kinesis/kinesis-backend.js';

/** Default data directory, relative to the working directory. */
export const DEFAULT_DATA_DIR = './faresight-data';
export const DEFAULT_INGEST_PORT = 7070;
export const DEFAULT_API_PORT = 8080;
export const DEFAULT_SHARDS = 8;
/**
 * DuckDB threads per ETL run: one per core less one (at least one), so that the event
 * loop of a process running ETL beside ingest and the API keeps a core (`npm run bench -- etl`).
 */
export const DEFAULT_ETL_THREADS = Math.max(1, availableParallelism() - 1);
/**
 * DuckDB's memory limit of a pond build by default (`etl.memoryLimit`; the engine itself
 * has none unless given one): what it cannot hold it spills to a folder of the system's
 * temporary directory. A build that needs more and cannot spill it (a holistic
 * aggregate such as `quantile_disc` holds every value of a group) is run again without a
 * limit, once, and counted. A day of `fare_trends` over
 * 26 million synthetic offers in 283,000 groups: 998 MB without a limit as
 * `quantile_disc`, 1,016 MB at 256 MB; 429 MB at 256 MB as ranks in a window, which
 * spill (docs/etl.md, "ETL memory"). At 128 MB rather than 256, a full day of 20.6
 * million offers took 124-153 MB less for the daily ponds, in about the same time, and
 * the first runs over the demo's uncompacted history 0-86 MB less; none ran again
 * (docs/benchmarks.md, "Footprint: pond builds at 128 MB").
 */
export const DEFAULT_ETL_MEMORY_LIMIT = '128MB';

/** A DuckDB memory limit as the configuration takes it: `512MB`, `1.5GB`, or `none`. */
const MEMORY_LIMIT_PATTERN = /^(none|\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB))$/i;

export const DEFAULT_RETENTION_HOURS = 24;
export const DEFAULT_DEDUPE_WINDOW_SECONDS = 120;
/**
 * Interface every service listens on unless configured: loopback. Any other address
 * needs vendor secrets (ingest) or API keys (API), or `--insecure` (see check-exposure.ts).
 */
export const DEFAULT_HOST = '127.0.0.1';
/** Largest rejected payload carried inside its dead letter; larger ones become objects. */
export const DEFAULT_DEAD_LETTER_INLINE_BYTES = 256 * 1024;
/** Deepest JSON nesting ingest parses; vendor payloads nest about 10 levels. */
export const DEFAULT_MAX_JSON_DEPTH = 64;
/** Deepest XML element nesting ingest parses; Travelport SOAP payloads nest about 12 levels. */
export const DEFAULT_MAX_XML_DEPTH = 64;

const port = z.number().int().min(0).max(65535);

/**
 * One backend's variant of a config section that names its implementation in `backend`:
 * a strict object of the `common` keys and the backend's own `configSchema`, so a key of
 * another backend is an error.
 */
function variant<N extends string, S extends z.ZodRawShape, C extends z.ZodRawShape>(
  backend: { name: N; configSchema: z.ZodObject<S> },
  common: C,
) {
  return z.strictObject({
    backend: z.literal(backend.name),
    ...common,
    ...backend.configSchema.shape,
  });
}

/** The variant of the backend chosen when a section names none. */
function defaultVariant<N extends string, S extends z.ZodRawShape, C extends z.ZodRawShape>(
  backend: { name: N; configSchema: z.ZodObject<S> },
  common: C,
) {
  return z.strictObject({
    backend: z.literal(backend.name).default(backend.name),
    ...common,
    ...backend.configSchema.shape,
  });
}

const streamCommon = {
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .default('shopping'),
  shards: z.number().int().min(1).max(1024).default(DEFAULT_SHARDS),
  /**
   * Put before the name of every stream (shopping, dead-letters, ingest-stats, deals)
   * and so of its checkpoint bucket, so deployments sharing one NATS or AWS account do
   * not meet (`prod-`, `staging-`). '' = today's names.
   */
  deploymentPrefix: z
    .string()
    .regex(/^([a-z0-9][a-z0-9_-]{0,31})?$/, 'must be up to 32 of a-z, 0-9, _ and -')
    .default(''),
  retentionHours: z
    .number()
    .positive()
    .max(24 * 365)
    .default(DEFAULT_RETENTION_HOURS),
  dedupeWindowSeconds: z.number().int().min(0).default(DEFAULT_DEDUPE_WINDOW_SECONDS),
  maxPendingRecords: z.number().int().positive().default(200_000),
};
const cacheCommon = {
  ttlSeconds: z.number().positive().default(30).describe('how long an answer stays cached'),
  staleSeconds: z
    .number()
    .min(0)
    .default(DEFAULT_CACHE_STALE_SECONDS)
    .describe(
      'how old an answer whose market a write changed may be served while one read refreshes it; 0: always wait for the row store',
    ),
};

export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default(DEFAULT_DATA_DIR),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** The stream between ingest and every consumer; `backend` picks the implementation. */
  stream: z
    .discriminatedUnion('backend', [
      defaultVariant(embeddedStreamBackend, streamCommon),
      variant(jetstreamStreamBackend, streamCommon),
      variant(kinesisStreamBackend, streamCommon),
    ])
    .prefault({}),
  ingest: z
    .strictObject({
      /** Interface to listen on; anything but loopback needs vendor secrets or --insecure. */
      host: z.string().min(1).default(DEFAULT_HOST),
      port: port.default(DEFAULT_INGEST_PORT),
      /** Largest request body as sent (compressed), bytes; larger gets 413. */
      maxBodyBytes: z
        .number()
        .int()
        .positive()
        .default(16 * 1024 * 1024),
      /** Largest body after gzip decompression, bytes; a gzip bomb stops here with 413. */
      maxDecompressedBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024 * 1024),
      maxRecordsPerRequest: z.number().int().positive().default(10_000),
      /** Deepest nesting of JSON arrays and objects; deeper payloads get 400 without being parsed. */
      maxJsonDepth: z.number().int().min(2).max(10_000).default(DEFAULT_MAX_JSON_DEPTH),
      /** Deepest nesting of XML elements; deeper payloads get 400 without being parsed. */
      maxXmlDepth: z.number().int().min(2).max(10_000).default(DEFAULT_MAX_XML_DEPTH),
      /**
       * Largest rejected payload (decompressed) carried inside its dead letter on the
       * stream; a larger one is stored whole as an object in the lake's object store
       * (`dead_letter_payloads/...`) and its dead letter names it.
       */
      deadLetterInlineBytes: z.number().int().min(0).default(DEFAULT_DEAD_LETTER_INLINE_BYTES),
      /** Requests per second each vendor may make (per ingest process); over it, 429. */
      requestsPerSecondPerVendor: z.number().positive().default(2000),
      /**
       * Vendor secrets: `{ "amadeus": { "tokenSha256": "<hex>" } }`. When any vendor has
       * one, every route requires a bearer token and a vendor may post only to its own
       * route; when none has, ingest is open (a warning is logged).
       */
      vendors: z
        .record(
          z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
          z.strictObject({
            tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits (sha256)'),
          }),
        )
        .default({}),
      /** PEM certificate and key files; both set = HTTPS. */
      tlsCert: z.string().default(''),
      tlsKey: z.string().default(''),
      /** Processes sharing the port (node:cluster); 1 = in-process. */
      workers: z.number().int().min(1).max(64).default(1),
      /** Period of the per-vendor statistics written to the ingest-stats stream, seconds. */
      statsIntervalSeconds: z.number().int().positive().default(60),
    })
    .prefault({}),
  /**
   * The choices of record validation, the same for ingest (every adapter) and for every
   * real-time use case, so a record ingest kept is never refused downstream.
   */
  validation: z
    .strictObject({
      /** Airport or city codes not in the IATA reference list: `reject` the record or keep it and `flag` it. */
      unknownAirports: z.enum(UNKNOWN_AIRPORT_POLICIES).default('reject'),
      /** Largest lead of `shoppedAt` over `receivedAt` accepted (vendor clocks run fast), seconds. */
      maxClockSkewSeconds: z
        .number()
        .int()
        .min(0)
        .max(86_400)
        .default(DEFAULT_MAX_CLOCK_SKEW_MS / 1000),
    })
    .prefault({}),
  lake: z
    .strictObject({
      rotateSeconds: z.number().int().positive().default(60),
      rotateBytes: z.number().int().positive().default(DEFAULT_ROTATE_BYTES),
      /**
       * Stream bytes the lake writer holds in open files over all partitions; past it the
       * largest files are written first. Bounds its memory when a batch spans hundreds of
       * partitions (a backfill of history).
       */
      maxOpenBytes: z.number().int().positive().default(DEFAULT_MAX_OPEN_BYTES),
      batch: batchPolicySchema.prefault({ count: 20_000, periodMs: 5000 }),
      /**
       * zstd level of the files the lake writer writes (1-22). Low by default: encoding is
       * a large share of the writer's CPU, and compaction rewrites closed partitions at
       * `compactCompressionLevel` anyway.
       */
      compressionLevel: z.number().int().min(1).max(22).default(DEFAULT_COMPRESSION_LEVEL),
      /** zstd level of the files `lake compact` writes (1-22): cold data, written once. */
      compactCompressionLevel: z
        .number()
        .int()
        .min(1)
        .max(22)
        .default(DEFAULT_COMPACT_COMPRESSION_LEVEL),
      /**
       * Minutes between the compactions `up` and the lake role run of closed partitions
       * (never the current hour); the first comes 2 minutes after start (sooner when this is
       * shorter); 0 = never (run `lake compact` yourself). One process per lake.
       */
      compactEveryMinutes: z.number().int().min(0).default(10),
      /**
       * Minutes a closed partition must go without a new file from the lake writer before
       * scheduled compaction merges it (a backfill writes into hundreds of past hours at
       * once; merging them while it does merges them twice); while some wait, the next run
       * comes this long after. 0 = no wait. `lake compact` does not wait.
       */
      compactQuietMinutes: z.number().min(0).default(2),
      /**
       * Scheduled compaction also merges the current hour's files as they come (each run
       * merges the 32 or more that came since the last, into a file per shard; the close
       * of the hour merges them all), so today's readers (pond builds, queries) do not read
       * one small file per shard and rotation. false = closed partitions only.
       */
      compactCurrentHour: z.boolean().default(true),
      /** Where lake files go: `local` = `<dataDir>/lake`, `s3` = `s3://<bucket>/<prefix>/`. */
      objectStore: z
        .discriminatedUnion('backend', [
          defaultVariant(localObjectStoreBackend, {}),
          variant(s3ObjectStoreBackend, {}),
        ])
        .prefault({}),
      /** Local cache of S3 lake files read by queries; '' = `<dataDir>/cache/lake`. */
      cacheDir: z.string().default(''),
      cacheMaxBytes: z
        .number()
        .int()
        .positive()
        .default(2 * 1024 * 1024 * 1024),
      /** Partitions (dt) older than this many days move to the archive tier; 0 = never. */
      archiveAfterDays: z.number().int().min(0).default(0),
      /** Partitions (dt) older than this many days are deleted, archive included; 0 = never. */
      deleteAfterDays: z.number().int().min(0).default(0),
    })
    .prefault({}),
  realtime: z
    .strictObject({
      batch: batchPolicySchema.prefault({ count: 2000, periodMs: 500 }),
      /** Failed attempts of a batch before it is bisected to find a record that keeps failing. */
      attemptsBeforeBisect: z.number().int().min(1).default(3),
      /** Settings per use case, validated by each use case's own schema (`{ "serving": {...} }`). */
      useCases: z.record(z.string(), z.unknown()).default({}),
    })
    .prefault({}),
  /** The serving row store (and the SQL database of ETL, tenancy and analytics). */
  /**
   * Scale-out of the stream's consumers (docs/scale-out.md). With `leases` on, any number
   * of `faresight realtime` (or `faresight lake`) processes share each consumer group: the shards are
   * split over the live processes by leases kept beside the checkpoints (embedded: the
   * stream's SQLite database; jetstream: its KV bucket `<stream>-leases`; kinesis: the
   * PostgreSQL of its checkpoints, so rowStore.backend=postgres), and every commit
   * is fenced by the lease epoch. Off (the default), each group is read by one process, as before.
   */
  consumers: z
    .strictObject({
      /** Share a consumer group's shards over every process running it (real-time use cases, lake writers). */
      leases: z.boolean().default(false),
      /** Seconds after its last renewal that another process may take a shard over. */
      leaseSeconds: z.number().min(1).max(600).default(15),
    })
    .prefault({}),
  rowStore: z
    .discriminatedUnion('backend', [
      defaultVariant(pgliteBackend, {}),
      variant(postgresBackend, {}),
    ])
    .prefault({}),
  api: z
    .strictObject({
      /** Interface to listen on; anything but loopback needs API keys or --insecure. */
      host: z.string().min(1).default(DEFAULT_HOST),
      port: port.default(DEFAULT_API_PORT),
      /**
       * Customer API keys: `{ "acme": { "keySha256": "<hex>", "ratePerSecond": 50 } }`.
       * When any is configured every `/v1` route needs `Authorization: Bearer <key>` (or
       * `X-Api-Key`); when none is, the API is open (a warning is logged).
       */
      keys: z
        .record(
          z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/),
          z.strictObject({
            keySha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits (sha256)'),
            /** Requests per second for this key, per API process [api.ratePerSecondPerKey]. */
            ratePerSecond: z.number().positive().optional(),
            /** Path prefixes the key may use (`/v1/fares`); absent = every route; others get 403. */
            allow: z.array(z.string().startsWith('/')).optional(),
          }),
        )
        .default({}),
      /**
       * sha256 hex of the operator key of the Console (`/console/`) and the admin API
       * (`/admin/v1/`); '' = no admin area, except under `faresight up`, which makes a key
       * at start and prints a login link (docs/console.md).
       */
      adminKeySha256: z
        .string()
        .regex(/^([0-9a-f]{64})?$/, 'must be 64 hex digits (sha256) or empty')
        .default(''),
      /** Default per-key rate limit, requests per second per API process. */
      ratePerSecondPerKey: z.number().positive().default(100),
      /** `Cache-Control: max-age` of read answers, seconds. */
      maxAgeSeconds: z.number().int().min(0).default(5),
    })
    .prefault({}),
  /** Cache-aside in front of the API's reads. */
  cache: z
    .discriminatedUnion('backend', [
      defaultVariant(memoryCacheBackend, cacheCommon),
      variant(redisCacheBackend, cacheCommon),
    ])
    .prefault({}),
  /** ETL jobs that build the data ponds and customer tables (src/etl). */
  etl: z
    .strictObject({
      /** Who fires the schedules: `auto` = pg-boss when rowStore.backend=postgres, else in-process. */
      scheduler: z.enum(['auto', 'embedded', 'pg-boss']).default('auto'),
      /** PostgreSQL schema pg-boss keeps its queues in. */
      pgBossSchema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/)
        .default('pgboss'),
      /** Cron schedule per job name, overriding the job's own, e.g. fare_trends every 5 minutes. */
      schedules: z.record(z.string(), z.string()).default({}),
      /** Attempts of one scheduled run before it is recorded as failed for good. */
      attempts: z.number().int().min(1).max(20).default(3),
      /** First retry delay, ms; doubles per attempt up to 5 minutes. */
      retryDelayMs: z.number().int().positive().default(5000),
      /** DuckDB threads per job run [DEFAULT_ETL_THREADS: cores less one, at least one]. */
      threads: z.number().int().min(1).max(64).default(DEFAULT_ETL_THREADS),
      /**
       * DuckDB's memory limit of a pond build (`512MB`, `1GB`, `none`): it spills the
       * rest to the temporary directory; a build that cannot is run again without one.
       */
      memoryLimit: z
        .string()
        .regex(MEMORY_LIMIT_PATTERN, 'must be a size such as 128MB or 1GB, or none')
        .default(DEFAULT_ETL_MEMORY_LIMIT),
    })
    .prefault({}),
  /** SQL access for BI tools: the Postgres wire endpoint and POST /v1/sql (src/sql-endpoint). */
  sql: z
    .strictObject({
      /** Interface to listen on (customers always authenticate with their API key). */
      host: z.string().min(1).default(DEFAULT_HOST),
      port: port.default(5439),
      /** A statement running longer is interrupted with an error. */
      statementTimeoutMs: z.number().int().positive().default(30_000),
      /** Rows returned at most per statement; more is an error naming the limit. */
      maxRows: z.number().int().positive().default(100_000),
      /** Bytes of result (as JSON text) at most per statement; more is an error naming the limit. */
      maxResultBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024 * 1024),
      /** DuckDB memory_limit of each session (DuckDB size syntax); past it a statement fails or spills. */
      memoryLimit: z
        .string()
        .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i)
        .default('512MB'),
      /** Child processes that run customer sessions (off the serving processes' event loop and libuv pool). */
      processes: z.number().int().min(1).max(64).default(2),
      /** Statements one customer may run at once, over the wire and /v1/sql together. */
      maxConcurrentPerCustomer: z.number().int().positive().default(2),
      /** Statements of one customer that may wait for a turn; beyond that, an error at once. */
      maxQueuedPerCustomer: z.number().int().min(0).default(4),
      /** Longest wait in that queue before the statement fails with 53300 / 429. */
      queueWaitMs: z.number().int().positive().default(5000),
      /** Open wire connections at most, all customers together; beyond that 53300 at start-up. */
      maxConnections: z.number().int().positive().default(64),
      /** POST /v1/sql requests per second per customer (token bucket, bursts of one second). */
      requestsPerSecondPerCustomer: z.number().positive().default(10),
      /** PEM certificate and key files; both set = TLS offered to clients (sslmode=require). */
      tlsCert: z.string().default(''),
      tlsKey: z.string().default(''),
    })
    .prefault({}),
});

/**
 * Validated, defaulted configuration: the whole of it, for `cli/` and `config/` only.
 * Every other room names the sections it reads with the slice types below, so a role
 * is given only its slice (src/architecture.test.ts holds that rule).
 */
export type Config = Readonly<z.infer<typeof configSchema>>;
/** The validation policy of `config` (section `validation`), for ingest and the real-time runner. */
export function validationPolicyOf(config: {
  readonly validation: ValidationConfig;
}): ValidationPolicy {
  const { unknownAirports, maxClockSkewSeconds } = config.validation;
  const maxClockSkewMs = maxClockSkewSeconds * 1000;
  if (
    unknownAirports === DEFAULT_VALIDATION_POLICY.unknownAirports &&
    maxClockSkewMs === DEFAULT_VALIDATION_POLICY.maxClockSkewMs
  )
    return DEFAULT_VALIDATION_POLICY;
  return Object.freeze({ unknownAirports, maxClockSkewMs });
}
/** The `ingest` section: the ingest HTTP service. */
export type IngestConfig = Config['ingest'];
/** The `validation` section: record validation, for ingest and the real-time runner. */
export type ValidationConfig = Config['validation'];
/** The `api` section: the customer API. */
export type ApiConfig = Config['api'];
/** The `etl` section: the ETL scheduler and its jobs. */
export type EtlConfig = Config['etl'];
/** The `sql` section: the SQL endpoint (Postgres wire and `POST /v1/sql`). */
export type SqlEndpointConfig = Config['sql'];
/** The `stream` section: common keys plus those of the chosen backend. */
export type StreamConfig = Config['stream'];
/** The `rowStore` section. */
export type RowStoreConfig = Config['rowStore'];
/** The `cache` section. */
export type CacheConfig = Config['cache'];
/** The `lake.objectStore` section. */
export type ObjectStoreConfig = Config['lake']['objectStore'];
