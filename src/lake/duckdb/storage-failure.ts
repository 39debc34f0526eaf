/**
 * Tells a failure of the lake's storage (the disk, not the data) from a failure the
 * records cause, for a write that staged files through Node and encoded them with DuckDB.
 */

/** errno names of a storage that refuses writes for reasons no record causes. */
const STORAGE_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EIO',
  'EMFILE',
  'ENFILE',
  'ENOMEM',
  'EACCES',
  'EPERM',
  'EBUSY',
  'EAGAIN',
]);

/** The same conditions in DuckDB's messages, which carry no errno field. */
const STORAGE_MESSAGE =
  /no space left on device|disk quota exceeded|read-only file system|input\/output error|too many open files|permission denied/i;
/** DuckDB's own classes of failure that no record causes. */
const ENGINE_IO = /^(IO Error|Out of Memory Error):/;

/**
 * The errno name (or 'IO' for a DuckDB I/O error) when `err`, or an error it wraps, is a
 * storage failure; undefined when the failure may be the records'.
 */
export function storageFailure(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && STORAGE_CODES.has(code)) return code;
    const m = STORAGE_MESSAGE.exec(e.message);
    if (m) return codeOf(m[0]);
    if (ENGINE_IO.test(e.message)) return 'IO';
  }
  return undefined;
}

function codeOf(text: string): string {
  const t = text.toLowerCase();
  if (t.includes('space')) return 'ENOSPC';
  if (t.includes('quota')) return 'EDQUOT';
  if (t.includes('read-only')) return 'EROFS';
  if (t.includes('open files')) return 'EMFILE';
  if (t.includes('permission')) return 'EACCES';
  return 'EIO';
}
