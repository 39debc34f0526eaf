/**
 * Where lake files are kept: a flat namespace of keys (`a/b/c.parquet`), shaped like S3
 * so that the local directory (`local/`) and S3 (issue 5) are interchangeable. A `put`
 * resolves only once the object is durable; an object is visible whole or not at all.
 */
import { writeFile } from 'node:fs/promises';

/** One stored object. */
export interface ObjectInfo {
  /** Key relative to the store root, `/`-separated. */
  readonly key: string;
  readonly size: number;
  /**
   * True when the object sits in an archive tier that cannot be read without a restore
   * (S3 Glacier Flexible Retrieval, Deep Archive); queries skip it. Absent = readable.
   */
  readonly archived?: boolean;
  /** When the object was last written (epoch ms), where the store says (local mtime, S3 LastModified). */
  readonly modifiedMs?: number;
}

export interface ObjectStore {
  /** Where the store points, for logs and for engines reading it directly (a path or URL). */
  readonly location: string;
  /**
   * Stores the local file at `localPath` under `key`, replacing any object there, and
   * resolves once it is durable. Takes ownership of the file: on success it no longer
   * exists at `localPath`; on failure the caller may remove what is left.
   * Throws InvalidObjectKeyError for a malformed key.
   */
  putFile(key: string, localPath: string): Promise<void>;
  /** Stores `body` under `key`, durably, replacing any object there. */
  put(key: string, body: Uint8Array): Promise<void>;
  /** The object's bytes, or undefined when there is no such object. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Optional: streams the object into the file `localPath` (created or truncated) without
   * holding it in memory; resolves false, writing nothing, when there is no such object.
   * Readers fall back to `get` when a store lacks it.
   */
  getFile?(key: string, localPath: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** Every object whose key starts with `prefix` (in no particular order). */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
}

/**
 * Copies the object at `key` to the file `localPath`: streamed where the store can
 * (`getFile`), else read whole and written. False when there is no such object.
 */
export async function getToFile(
  store: ObjectStore,
  key: string,
  localPath: string,
): Promise<boolean> {
  if (store.getFile) return store.getFile(key, localPath);
  const body = await store.get(key);
  if (body === undefined) return false;
  await writeFile(localPath, body);
  return true;
}

/** True when `key` is a clean relative path: no empty, `.` or `..` segment, no leading `/`. */
export function isValidKey(key: string): boolean {
  if (key.length === 0 || key.length > 1024 || key.startsWith('/') || key.includes('\\'))
    return false;
  return key.split('/').every((s) => s.length > 0 && s !== '.' && s !== '..');
}

/** An ObjectStore that may hold connections; `close` releases them (a no-op for local). */
export interface ClosableObjectStore extends ObjectStore {
  close(): Promise<void>;
}
