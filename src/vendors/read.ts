/**
 * Readers for untrusted, already-parsed payloads. Each takes the value and the path it
 * came from, and throws PayloadError naming that path when the value has the wrong
 * shape, so adapters can read a payload as if it were typed.
 */
import { TextDecoder } from 'node:util';
import { PayloadError } from './errors.js';
import type { RequestContext } from './vendor-adapter.js';

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

function shown(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;
const UTF8_NAMES = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

/** The `charset` parameter of the request's `content-type` header, lower case, if any. */
export function declaredCharset(ctx?: Pick<RequestContext, 'headers'>): string | undefined {
  const ct = ctx?.headers['content-type'];
  return ct ? CHARSET.exec(ct)?.[1]?.toLowerCase() : undefined;
}

function decode(bytes: Buffer, charset: string, source: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    throw new PayloadError(source, `unsupported charset ${JSON.stringify(charset)}`);
  }
  return decoder.decode(bytes);
}

/**
 * Text of a request body. A byte-order mark decides first (UTF-8, UTF-16LE, UTF-16BE;
 * it is dropped), then the `charset` of the `content-type` header in `ctx`; without
 * one, UTF-16 without a mark (told by a zero byte in the first two), then
 * `fallbackCharset` (the XML declaration's `encoding`, for XML), else UTF-8. Throws
 * PayloadError naming the header when its charset is unknown.
 */
export function bodyText(
  body: string | Buffer,
  ctx?: Pick<RequestContext, 'headers'>,
  fallbackCharset?: (bytes: Buffer) => string | undefined,
): string {
  if (typeof body === 'string') return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  const [b0, b1, b2] = [body[0], body[1], body[2]];
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return body.toString('utf8', 3);
  if (b0 === 0xff && b1 === 0xfe) return body.toString('utf16le', 2);
  if (b0 === 0xfe && b1 === 0xff) return decode(body.subarray(2), 'utf-16be', 'payload');
  const declared = declaredCharset(ctx);
  if (declared && !UTF8_NAMES.has(declared)) {
    return decode(body, declared, 'header content-type');
  }
  // JSON and XML start with an ASCII character, so a zero byte beside it is UTF-16.
  if (!declared && body.length >= 2 && (b0 === 0) !== (b1 === 0)) {
    return b0 === 0 ? decode(body, 'utf-16be', 'payload') : body.toString('utf16le');
  }
  const sniffed = declared ? undefined : fallbackCharset?.(body)?.toLowerCase();
  if (sniffed && !UTF8_NAMES.has(sniffed)) return decode(body, sniffed, 'XML declaration');
  return body.toString('utf8');
}

/**
 * Parses a JSON body (decoded by `bodyText`); throws PayloadError (whole payload) when
 * it is empty or not JSON.
 */
export function parseJson(body: string | Buffer, ctx?: Pick<RequestContext, 'headers'>): unknown {
  const text = bodyText(body, ctx);
  if (text.trim() === '') throw new PayloadError('', 'empty payload');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PayloadError('', `not valid JSON: ${(err as Error).message}`);
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value as an object; throws PayloadError naming `path` otherwise. */
export function obj(v: unknown, path: string): Json {
  if (!isObject(v)) throw new PayloadError(path, `expected an object, got ${shown(v)}`);
  return v;
}

/** The value as an array; throws PayloadError naming `path` otherwise. */
export function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new PayloadError(path, `expected an array, got ${shown(v)}`);
  return v;
}

/**
 * The value as a list: arrays as they are, a single value as a list of one, nothing as
 * an empty list. For formats converted from XML, where one child is not an array.
 */
export function list(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** A non-empty string (numbers are written as text); throws PayloadError otherwise. */
export function str(v: unknown, path: string): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string' || v.trim() === '') {
    throw new PayloadError(path, `expected text, got ${shown(v)}`);
  }
  return v.trim();
}

/** A non-empty string or undefined (numbers are written as text). */
export function optStr(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** A non-negative integer (or its text) or undefined. */
export function optInt(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** An integer, possibly negative (or its text), or undefined: day adjustments. */
export function optSignedInt(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

/** A boolean, or its text "true"/"false" (formats converted from XML), or undefined. */
export function optBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  const t = v.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : undefined;
}

/** An upper-case IATA code (airport, city or airline); throws PayloadError when missing. */
export function code(v: unknown, path: string): string {
  return str(v, path).toUpperCase();
}

/** A flight number without leading zeros beyond one digit ("0012" -> "12"). */
export function flightNumber(v: unknown, path: string): string {
  const s = str(v, path).toUpperCase();
  return s.replace(/^0+(?=\d)/, '');
}
