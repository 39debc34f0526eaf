/**
 * The ObjectStore contract on Amazon S3 or an S3-compatible server (AWS SDK v3).
 *
 * - Keys live under `<prefix>/` in the bucket. An object becomes visible only when its
 *   PutObject or CompleteMultipartUpload succeeds, whole, so "resolved = durable and
 *   visible" holds as on the local store and the lake writer may checkpoint after it.
 * - `putFile` streams a file of at least `multipartThresholdBytes` as a multipart upload
 *   (`@aws-sdk/lib-storage`), smaller ones with one PutObject; a failed multipart upload
 *   is aborted so no parts linger (a crash mid-upload leaves parts that the bucket
 *   lifecycle rule from `faresight lake lifecycle` aborts after a week).
 * - `getFile` streams an object to a local file without holding it in memory.
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type LifecycleRule,
  ListObjectsCommand,
  PutBucketLifecycleConfigurationCommand,
  type PutBucketLifecycleConfigurationCommandInput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { InvalidObjectKeyError } from '../../errors.js';
import { ObjectStoreUnavailableError } from '../errors.js';
import { isValidKey, type ObjectInfo, type ObjectStore } from '../object-store.js';

/** Default `putFile` size from which uploads are multipart: 16 MiB. */
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
/** Default multipart part size: 8 MiB (S3's minimum is 5 MiB). */
export const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;

/** Storage classes whose objects need a restore before GetObject. */
const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** Static credentials; when absent the AWS default provider chain is used (env, profile, role). */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Options of S3ObjectStore; defaults in brackets. */
export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without slashes at either end; '' = bucket root ['']. */
  prefix?: string;
  /** ['us-east-1'] */
  region?: string;
  /** Endpoint URL of an S3-compatible server; '' = AWS ['']. */
  endpoint?: string;
  /** Path-style URLs (`http://host/bucket/key`), needed by most S3-compatible servers [false]. */
  forcePathStyle?: boolean;
  credentials?: S3Credentials;
  /** [DEFAULT_MULTIPART_THRESHOLD_BYTES] */
  multipartThresholdBytes?: number;
  /** [DEFAULT_PART_SIZE_BYTES] */
  partSizeBytes?: number;
  /** Keys asked for per list request [1000, the S3 maximum]. */
  listPageSize?: number;
  /** Parts uploaded at once per file [4]. */
  uploadConcurrency?: number;
  /** A ready client, used instead of building one from the options above (tests add middleware to it). */
  client?: S3Client;
}

/** ObjectStore on an S3 bucket. See the module comment for the contract on S3. */
export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  readonly bucket: string;
  /** Key prefix in the bucket, '' or ending in `/`. */
  readonly keyPrefix: string;
  /** The SDK client; exposed for tools in this folder, not for the core. */
  readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly concurrency: number;
  private readonly pageSize: number;

  constructor(options: S3ObjectStoreOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket))
      throw new ObjectStoreUnavailableError(
        `invalid S3 bucket name "${options.bucket}" (3-63 characters: a-z, 0-9, '.', '-')`,
      );
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (prefix !== '' && !isValidKey(prefix)) throw new InvalidObjectKeyError(prefix);
    this.bucket = options.bucket;
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.location = `s3://${options.bucket}/${this.keyPrefix}`;
    this.threshold = options.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES;
    this.partSize = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
    this.concurrency = options.uploadConcurrency ?? 4;
    this.pageSize = options.listPageSize ?? 1000;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? createS3Client(options);
  }

  private objectKey(key: string): string {
    if (!isValidKey(key)) throw new InvalidObjectKeyError(key);
    return this.keyPrefix + key;
  }

  /** Checks that the bucket exists and is reachable; throws ObjectStoreUnavailableError. */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw new ObjectStoreUnavailableError(
        `S3 bucket "${this.bucket}" is not reachable: ${describe(err)}`,
        { cause: err },
      );
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const Key = this.objectKey(key);
    const { size } = await fsp.stat(localPath);
    if (size < this.threshold) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: await fsp.readFile(localPath),
          ContentLength: size,
        }),
      );
    } else {
      const body = fs.createReadStream(localPath);
      try {
        await new Upload({
          client: this.client,
          params: { Bucket: this.bucket, Key, Body: body },
          partSize: this.partSize,
          queueSize: this.concurrency,
          leavePartsOnError: false,
        }).done();
      } finally {
        body.destroy();
      }
    }
    await fsp.rm(localPath, { force: true });
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: body }),
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const Key = this.objectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Streams the object to `localPath` (created or truncated; the caller renames it into
   * place). Resolves false, writing nothing, when there is no such object.
   */
  async getFile(key: string, localPath: string): Promise<boolean> {
    const Key = this.objectKey(key);
    let body: Readable;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      body = out.Body instanceof Readable ? out.Body : Readable.from([]);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    const file = fs.createWriteStream(localPath);
    await once(file, 'open');
    await pipeline(body, file);
    return true;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    // ListObjects (v1) paged by Marker = last key: S3 lists in key order, every
    // S3-compatible server has v1, and s3rver's v2 continuation tokens need DES, which
    // the OpenSSL of Node 17+ lacks, so a truncated v2 page fails there.
    let marker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListObjectsCommand({
          Bucket: this.bucket,
          Prefix: this.keyPrefix + prefix,
          Marker: marker,
          MaxKeys: this.pageSize,
        }),
      );
      const contents = page.Contents ?? [];
      for (const o of contents) {
        if (o.Key === undefined || !o.Key.startsWith(this.keyPrefix)) continue;
        const key = o.Key.slice(this.keyPrefix.length);
        // Keys written by other tools (`a//b`, a folder marker `x/`) are not lake objects.
        if (!isValidKey(key)) continue;
        const archived = ARCHIVE_CLASSES.has(String(o.StorageClass));
        out.push({
          key,
          size: o.Size ?? 0,
          ...(archived ? { archived } : {}),
          ...(o.LastModified ? { modifiedMs: o.LastModified.getTime() } : {}),
        });
      }
      const last = contents.at(-1)?.Key;
      if (!page.IsTruncated || last === undefined) return out;
      marker = last;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
    );
  }

  /**
   * Replaces the bucket's lifecycle rules whose ID is in `rules` (others are kept: S3
   * has one lifecycle configuration per bucket) and returns the input it sent.
   * Errors from the server (NotImplemented on s3rver, AccessDenied) are thrown as is.
   */
  async applyLifecycleRules(
    rules: readonly LifecycleRule[],
  ): Promise<PutBucketLifecycleConfigurationCommandInput> {
    let existing: LifecycleRule[] = [];
    try {
      const cur = await this.client.send(
        new GetBucketLifecycleConfigurationCommand({ Bucket: this.bucket }),
      );
      existing = cur.Rules ?? [];
    } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchLifecycleConfiguration') throw err;
    }
    const ours = new Set(rules.map((r) => r.ID));
    const input: PutBucketLifecycleConfigurationCommandInput = {
      Bucket: this.bucket,
      LifecycleConfiguration: {
        Rules: [...existing.filter((r) => !ours.has(r.ID)), ...rules],
      },
    };
    await this.client.send(new PutBucketLifecycleConfigurationCommand(input));
    return input;
  }

  /** Releases the client's sockets when the store built it. */
  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}

/** The SDK client for `options`, with bounded timeouts. */
export function createS3Client(options: S3ObjectStoreOptions): S3Client {
  const endpoint = options.endpoint ?? '';
  return new S3Client({
    region: options.region ?? 'us-east-1',
    ...(endpoint !== '' ? { endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // S3-compatible servers often reject the SDK's default trailing checksums on streams.
    ...(endpoint !== ''
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 120_000 }),
  });
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  const msg = e?.message && e.message !== 'UnknownError' ? e.message : '';
  return [e?.name, msg].filter(Boolean).join(': ') || String(err);
}
