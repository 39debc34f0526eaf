/**
 * What the Console needs from the running platform, declared here and implemented by the
 * composition root (`cli/compose/console-backend.ts`), so that this room imports none of
 * the roles it shows. Every method answers plain JSON values; each is also an admin HTTP
 * route (console-routes.ts).
 */
import type { Readable } from 'node:stream';

/** One consumer group's lag on one shard. */
export interface GroupLag {
  group: string;
  shard: number;
  records: number;
  oldestAgeMs: number;
}

/** The shopping stream as the Stream page shows it. */
export interface StreamStatus {
  name: string;
  backend: string;
  shards: number;
  retentionMs: number;
  records: number;
  oldestTimestamp: number | null;
  newestTimestamp: number | null;
  groups: string[];
  lag: GroupLag[];
}

/** What a rewind will re-read, stated before it is confirmed. */
export interface RewindPlan {
  group: string;
  /** The time asked for, clamped to the oldest record still held. */
  from: number;
  /** Until now: the group reads on past it. */
  to: number;
  /**
   * Records of the stream from `from` on, estimated from the stream's record count and
   * its oldest and newest times (the stream keeps no index by time).
   */
  estimatedRecords: number;
}

/**
 * What the message viewer asks the stream: where to start (a shard and a sequence, or a
 * time on every shard) and what to keep (record id, market, vendor).
 */
export interface MessageQuery {
  shard?: number;
  /** First sequence, on `shard`. */
  seq?: number;
  /** First record time, epoch ms (default: the oldest record held). */
  from?: number;
  /** Vendor's record id (or `<vendor>:<id>`). */
  id?: string;
  /** ORIGIN-DESTINATION: the stream's key, so only its shard is read. */
  market?: string;
  vendor?: string;
  limit: number;
}

/** One stream record, decoded from Avro to readable JSON (or the error decoding it). */
export interface StreamMessage {
  shard: number;
  seq: number;
  key: string;
  id: string;
  /** When the stream took it (the record time). */
  timestamp: string;
  bytes: number;
  record: unknown;
  error: string | null;
}

/** A page of the message viewer. */
export interface MessagePage {
  messages: StreamMessage[];
  /** Records read to find them. */
  scanned: number;
  /** Where the next page starts, when one shard is browsed and more may follow. */
  next: { shard: number; seq: number } | null;
  /** True when the scan stopped at its bound before `limit` matches. */
  scanLimited: boolean;
}

/** Filter of the dead-letter list. */
export interface DeadLetterFilter {
  vendor?: string;
  stage?: string;
  /** Substring of a rejection reason. */
  reason?: string;
  limit?: number;
}

/** One row of the dead-letter list. */
export interface DeadLetterSummary {
  id: string;
  vendor: string;
  stage: string;
  receivedAt: string;
  reasons: string[];
  contentType: string | null;
  payloadBytes: number;
}

/** A dead letter opened: its reasons and its payload (text, or base64 / an object key). */
export interface DeadLetterDetail extends DeadLetterSummary {
  payload: string;
  payloadEncoding: string;
  payloadObject: string | null;
  payloadSha256: string;
  requestId: string | null;
}

/** What ingest answered to a re-driven dead letter. */
export interface RedriveOutcome {
  id: string;
  status: number;
  accepted: number;
  rejected: number;
  /** Ingest's answer as it came (JSON when it was JSON). */
  body: unknown;
}

/** Dead letters per vendor and time bucket. */
export interface DeadLetterCounts {
  bucket: DeadLetterBucket;
  /** Bucket start (ISO 8601), vendor, dead letters in it. */
  points: { t: string; vendor: string; n: number }[];
}

/** Width of a dead-letter count bucket. */
export type DeadLetterBucket = 'minute' | 'hour' | 'day';

/** A re-drive that could not be posted (payload gone, ingest unreachable). */
export interface RedriveFailure {
  id: string;
  error: string;
}

/** One lake table with its catalog facts. */
export interface LakeTableInfo {
  name: string;
  location: string;
  partitionKeys: string[];
  versions: { version: number; since: string; columns: { name: string; type: string }[] }[];
  partitions: string[];
}

/** Compaction and lifecycle state of one lake table. */
export interface LakeTableState {
  table: string;
  partitions: number;
  /** Files readers read, and their bytes. */
  files: number;
  bytes: number;
  /** Of those, compacted files, and small writer files not compacted yet. */
  compactedFiles: number;
  smallFiles: number;
  /** Partitions compacted at least once. */
  compactedPartitions: number;
  /** Files superseded by a compaction, deleted after its grace period. */
  obsoleteFiles: number;
  /** Days (dt) the lifecycle policy would archive or delete now; null when not a local lake. */
  lifecycle: { toArchive: string[]; toDelete: string[] } | null;
}

/** A SQL result for the result table: at most `maxRows` rows, `truncated` when more. */
export interface SqlResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  truncated: boolean;
}

/** An ETL job with its health. */
export interface EtlJobInfo {
  job: string;
  schedule: string | null;
  lastRun: EtlRunInfo | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
}

/** A pond or customer table the ETL has built, as its catalog records it (what `etl ddl` prints DDL of). */
export interface EtlTableInfo {
  name: string;
  kind: 'pond' | 'customer';
  /** Directory under the lake root, e.g. `ponds/fare_trends`. */
  location: string;
  partitionColumn: string | null;
  columns: { name: string; type: string }[];
}

/** One ETL run attempt. */
export interface EtlRunInfo {
  id: number;
  job: string;
  kind: string;
  slot: string | null;
  attempt: number;
  startedAt: string;
  endedAt: string | null;
  status: string;
  rowsOut: number;
  bytesOut: number;
  error: string | null;
}

/** A customer with its grants. */
export interface CustomerInfo {
  name: string;
  createdAt: string;
  grants: { pond: string; markets?: readonly string[]; pos?: readonly string[] }[];
  jobs: { name: string; schedule: string }[];
}

/**
 * An ETL run or backfill started from the Console or the CLI beside `up`, as it goes:
 * `done` of `total` steps (one per output partition of a backfill, one for a run).
 */
export interface EtlOperation {
  id: string;
  job: string;
  kind: 'run' | 'backfill';
  /** The backfill's first and last day (YYYY-MM-DD); null for a run. */
  from: string | null;
  to: string | null;
  total: number;
  done: number;
  rows: number;
  status: 'running' | 'succeeded' | 'failed';
  /** The step running now (a backfill's partition), or null. */
  step: string | null;
  /** What the run did (as `faresight etl run` prints it), once it succeeded. */
  message: string | null;
  error: string | null;
  startedAt: string;
  endedAt: string | null;
}

/** A customer job to add or replace: SQL over the customer's ponds on a cron schedule. */
export interface CustomerJobInput {
  customer: string;
  name: string;
  sql: string;
  schedule: string;
}

/** The route graph as openCypher load CSV (Neptune bulk-load format). */
export interface GraphExport {
  airports: number;
  routes: number;
  /** airports.csv */
  nodes: string;
  /** routes.csv */
  edges: string;
}

export interface ConsoleBackend {
  streamStatus(): Promise<StreamStatus>;
  /** What rewinding `group` to `time` re-reads, without doing it. Throws ConsoleInputError. */
  planRewind(group: string, time: number): Promise<RewindPlan>;
  rewind(group: string, time: number): Promise<RewindPlan>;
  /** Browses the shopping stream; ConsoleInputError for a bad query or a backend that cannot browse. */
  messages(q: MessageQuery): Promise<MessagePage>;
  deadLetters(filter: DeadLetterFilter): Promise<DeadLetterSummary[]>;
  deadLetter(id: string): Promise<DeadLetterDetail | undefined>;
  /** Posts the dead letter's payload to ingest's route of its vendor again. */
  redrive(id: string): Promise<RedriveOutcome | undefined>;
  /** Counts of the filtered dead letters per vendor and bucket of `received_at`. */
  deadLetterCounts(filter: DeadLetterFilter, bucket: DeadLetterBucket): Promise<DeadLetterCounts>;
  /**
   * Re-drives every dead letter of the filter (newest first, at most `filter.limit`), one
   * after the other; each one's outcome, a failure to post included.
   */
  redriveAll(filter: DeadLetterFilter): Promise<(RedriveOutcome | RedriveFailure)[]>;
  lakeTables(): Promise<LakeTableInfo[]>;
  lakeState(): Promise<LakeTableState[]>;
  sql(text: string, maxRows: number): Promise<SqlResult>;
  /** The whole result of `text` as CSV or a Parquet file; ConsoleInputError for bad SQL. */
  exportSql(text: string, format: 'csv' | 'parquet'): Promise<Readable>;
  /** Every scheduled job (ponds, customer jobs, the demand forecast) with its health. */
  etlJobs(): Promise<EtlJobInfo[]>;
  /** The tables the ETL has built so far (ponds and customer tables), by name. */
  etlTables(): Promise<EtlTableInfo[]>;
  etlRuns(job: string | undefined, limit: number): Promise<EtlRunInfo[]>;
  customers(): Promise<CustomerInfo[]>;
  /** Creates `name`; returns its API key (shown once, stored hashed). */
  addCustomer(name: string): Promise<string>;
  /** A new API key for `name` (shown once); the old key stops working. */
  rotateKey(name: string): Promise<string>;
  grant(
    customer: string,
    grant: { pond: string; markets?: string[]; pos?: string[] },
  ): Promise<void>;
  revoke(customer: string, pond: string): Promise<boolean>;
  /** Deletes a customer with its grants, jobs and pond slices; false when there is none. */
  removeCustomer(name: string): Promise<boolean>;
  putCustomerJob(job: CustomerJobInput): Promise<void>;
  removeCustomerJob(customer: string, name: string): Promise<boolean>;
  /**
   * Starts a run of `job` (a pond, or `customer:<customer>/<table>`), or a backfill of a
   * pond over `range` (days, inclusive), in the background. Throws ConsoleInputError for
   * an unknown job or a bad range.
   */
  startEtl(job: string, range?: { from: string; to: string }): Promise<EtlOperation>;
  /** The operation `id`, started by any process on the ETL store; undefined when there is none. */
  etlOperation(id: string): Promise<EtlOperation | undefined>;
  /** The latest operations of every process on the ETL store, newest first. */
  etlOperations(): Promise<EtlOperation[]>;
  exportGraph(currency: string): Promise<GraphExport>;
}

/** A request the Console cannot carry out as asked (unknown group, bad SQL); answered 400. */
export class ConsoleInputError extends Error {
  override readonly name = 'ConsoleInputError';
}
