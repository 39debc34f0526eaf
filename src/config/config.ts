/**
 * The one typed configuration of Faresight. Its zod schema is the single source of
 * defaults and validation; `loadConfig` (load-config.ts) reads it from a file and the
 * environment once at the edge and hands the rest of the code a readonly value.
 */
import { z } from 'zod';

/** Default data directory, relative to the working directory. */
export const DEFAULT_DATA_DIR = './faresight-data';
export const DEFAULT_INGEST_PORT = 7070;
export const DEFAULT_API_PORT = 8080;
export const DEFAULT_SHARDS = 8;
export const DEFAULT_RETENTION_HOURS = 24;
export const DEFAULT_DEDUPE_WINDOW_SECONDS = 120;

const port = z.number().int().min(0).max(65535);

/** Micro-batch shape shared by every consumer: whichever limit is reached first closes a batch. */
export const batchPolicySchema = z.strictObject({
  count: z.number().int().positive().default(1000),
  bytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
  periodMs: z.number().int().positive().default(1000),
});

export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default(DEFAULT_DATA_DIR),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  stream: z
    .strictObject({
      backend: z.enum(['embedded', 'jetstream', 'kinesis']).default('embedded'),
      name: z
        .string()
        .regex(/^[a-z][a-z0-9-]*$/)
        .default('shopping'),
      shards: z.number().int().min(1).max(1024).default(DEFAULT_SHARDS),
      retentionHours: z
        .number()
        .positive()
        .max(24 * 365)
        .default(DEFAULT_RETENTION_HOURS),
      dedupeWindowSeconds: z.number().int().min(0).default(DEFAULT_DEDUPE_WINDOW_SECONDS),
      maxPendingRecords: z.number().int().positive().default(200_000),
      jetstreamServers: z.string().default('127.0.0.1:4222'),
      kinesisEndpoint: z.string().default(''),
      kinesisRegion: z.string().default('us-east-1'),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      host: z.string().default('0.0.0.0'),
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
  lake: z
    .strictObject({
      rotateSeconds: z.number().int().positive().default(60),
      rotateBytes: z
        .number()
        .int()
        .positive()
        .default(128 * 1024 * 1024),
      batch: batchPolicySchema.prefault({ count: 20_000, periodMs: 5000 }),
    })
    .prefault({}),
  realtime: z
    .strictObject({
      batch: batchPolicySchema.prefault({ count: 2000, periodMs: 500 }),
    })
    .prefault({}),
  rowStore: z
    .strictObject({
      backend: z.enum(['pglite', 'postgres']).default('pglite'),
      postgresUrl: z.string().default('postgres://127.0.0.1:5432/test'),
    })
    .prefault({}),
  api: z
    .strictObject({
      host: z.string().default('0.0.0.0'),
      port: port.default(DEFAULT_API_PORT),
    })
    .prefault({}),
});

/** Validated, defaulted configuration. */
export type Config = Readonly<z.infer<typeof configSchema>>;
export type BatchPolicy = z.infer<typeof batchPolicySchema>;
