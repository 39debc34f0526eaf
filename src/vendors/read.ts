/**
 * Readers for untrusted, already-parsed payloads. Each takes the value and the path it
 * came from, and throws PayloadError naming that path when the value has the wrong
 * shape, so adapters can read a payload as if it were typed.
 */
import { PayloadError } from './errors.js';

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

function shown(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Text of a request body, without a byte-order mark. */
export function bodyText(body: string | Buffer): string {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses a JSON body; throws PayloadError (whole payload) when it is empty or not JSON. */
export function parseJson(body: string | Buffer): unknown {
  const text = bodyText(body);
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

/** An upper-case IATA code (airport, city or airline); throws PayloadError when missing. */
export function code(v: unknown, path: string): string {
  return str(v, path).toUpperCase();
}

/** A flight number without leading zeros beyond one digit ("0012" -> "12"). */
export function flightNumber(v: unknown, path: string): string {
  const s = str(v, path).toUpperCase();
  return s.replace(/^0+(?=\d)/, '');
}
