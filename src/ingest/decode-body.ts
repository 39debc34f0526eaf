import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { BodyTooLargeError, UnsupportedEncodingError } from './errors.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/**
 * Undoes `Content-Encoding` (identity, gzip, deflate), never producing more than
 * `maxBytes`: zlib stops at the limit, so a gzip bomb costs at most that much memory.
 * Throws BodyTooLargeError over the limit and UnsupportedEncodingError for other
 * encodings or corrupt compressed data.
 */
export async function decodeBody(
  body: Buffer,
  encoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return body;
  if (enc !== 'gzip' && enc !== 'x-gzip' && enc !== 'deflate') {
    throw new UnsupportedEncodingError(
      `Content-Encoding "${encoding}" is not supported (use gzip)`,
    );
  }
  try {
    return await (enc === 'deflate' ? inflateAsync : gunzipAsync)(body, {
      maxOutputLength: maxBytes,
    });
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ||
      err instanceof RangeError
    ) {
      throw new BodyTooLargeError(`decompressed body exceeds ${maxBytes} bytes`);
    }
    throw new UnsupportedEncodingError(`body is not valid ${enc} data: ${(err as Error).message}`);
  }
}
