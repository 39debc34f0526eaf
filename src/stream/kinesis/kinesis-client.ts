/**
 * The AWS SDK v3 Kinesis client as the Kinesis stream uses it, and the classification of
 * its errors. Requests go through the Node HTTP/1 handler: kinesalite (the local
 * stand-in used in tests) speaks HTTP/1 only, and real Kinesis accepts it too.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Static AWS credentials; omitted = the SDK's default provider chain (env, profile, role). */
export interface KinesisCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where the Kinesis API is. */
export interface KinesisConnection {
  /** Endpoint URL, e.g. `http://127.0.0.1:4567` for kinesalite; omitted = AWS for `region`. */
  endpoint?: string;
  region: string;
  credentials?: KinesisCredentials;
}

/** A client for `conn`; the caller destroys it. SDK retries: 3 attempts with backoff. */
export function createKinesisClient(conn: KinesisConnection): KinesisClient {
  return new KinesisClient({
    region: conn.region,
    ...(conn.endpoint ? { endpoint: conn.endpoint } : {}),
    ...(conn.credentials ? { credentials: conn.credentials } : {}),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }),
    maxAttempts: 3,
  });
}

function errorName(err: unknown): string {
  return (err as { name?: string } | null)?.name ?? '';
}

/** The stream (or shard) does not exist. */
export function isNotFound(err: unknown): boolean {
  return errorName(err) === 'ResourceNotFoundException';
}

/** The stream exists already (a concurrent CreateStream won). */
export function isInUse(err: unknown): boolean {
  return errorName(err) === 'ResourceInUseException';
}

/** A shard iterator is older than 5 minutes; get a new one. */
export function isExpiredIterator(err: unknown): boolean {
  return errorName(err) === 'ExpiredIteratorException';
}

/** A per-shard or account limit was hit; retrying later can succeed. */
export function isThrottled(err: unknown): boolean {
  const n = errorName(err);
  return n === 'ProvisionedThroughputExceededException' || n === 'LimitExceededException';
}
