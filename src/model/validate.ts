import type { z } from 'zod';
import { type ShoppingRecord, shoppingRecordSchema } from './shopping-record.js';

/** Outcome of validating one candidate record. */
export type Validation = { ok: true; record: ShoppingRecord } | { ok: false; errors: string[] };

/** Formats a zod issue path as `offers[0].legs[1].segments[0].origin`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(record)';
}

/** Human-readable errors naming field and problem, e.g. `offers[0].currency: must be ...`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

/**
 * Validates an untrusted value as a ShoppingRecord. Never throws; on failure every
 * problem is listed with the path of the field at fault.
 */
export function validateRecord(value: unknown): Validation {
  const r = shoppingRecordSchema.safeParse(value);
  return r.success ? { ok: true, record: r.data } : { ok: false, errors: describeIssues(r.error) };
}
