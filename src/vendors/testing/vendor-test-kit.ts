/** Test helpers for adapters: fixtures, a fixed request context, the shared examples. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateRecord } from '../../model/validate.js';
import type {
  AdapterResult,
  RequestContext,
  VendorAdapter,
  VendorName,
} from '../vendor-adapter.js';

const VENDORS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folder of real vendor examples kept outside the repository (override: FARESIGHT_VENDOR_EXAMPLES). */
export const SHARED_EXAMPLES =
  process.env.FARESIGHT_VENDOR_EXAMPLES ??
  resolve(VENDORS_DIR, '../../../shared/data/vendor-examples');

/** Receive time used by every adapter test. */
export const RECEIVED_AT = new Date('2025-05-01T12:00:00.000Z');

/** A request context with the given (lower-case) headers and `RECEIVED_AT`. */
export function context(headers: Record<string, string> = {}): RequestContext {
  return { headers, receivedAt: RECEIVED_AT };
}

/** A request context received at `receivedAt`, with the given (lower-case) headers. */
export function contextAt(
  receivedAt: Date | string,
  headers: Record<string, string> = {},
): RequestContext {
  return { headers, receivedAt: new Date(receivedAt) };
}

/** `seconds` after `instant`: when ingest gets a payload its vendor created at `instant`. */
export function shortlyAfter(instant: string, seconds = 30): Date {
  return new Date(Date.parse(instant) + seconds * 1000);
}

/** Noon UTC `days` before `date` (`YYYY-MM-DD`): when a search for flights that day ran. */
export function daysBefore(date: string, days = 7): Date {
  return new Date(Date.parse(`${date}T12:00:00Z`) - days * 86_400_000);
}

const FAR_FUTURE = new Date('9999-01-01T00:00:00Z');

/**
 * The receive time consistent with a payload of unknown age (the shared examples date
 * from 2016 on): shortly after its own shop time when it carries one (Duffel
 * `created_at`, Sabre `TimeStamp`), else a week before the earliest departure date in
 * it. Both are read through `adapter`: received in the far future, only records with a
 * shop time of their own pass; with a shop time before any flight stated, every record
 * passes and shows its dates. RECEIVED_AT when neither gives a record, so the test
 * shows the adapter's own rejections.
 */
export function receivedAtFor(adapter: VendorAdapter, body: string | Buffer): Date {
  const own = adapter
    .parse(body, { headers: {}, receivedAt: FAR_FUTURE })
    .records.map((r) => r.shoppedAt)
    .sort();
  if (own.length > 0) return shortlyAfter(own[own.length - 1]!);
  const departures = adapter
    .parse(body, { headers: { 'x-shopped-at': '1970-01-01T00:00:00Z' }, receivedAt: RECEIVED_AT })
    .records.map((r) => r.departureDate)
    .sort();
  return departures.length > 0 ? daysBefore(departures[0]!) : RECEIVED_AT;
}

/** Path of one of the project's own fixtures: `src/vendors/<vendor>/fixtures/<name>`. */
export function fixturePath(vendor: VendorName, name: string): string {
  return join(VENDORS_DIR, vendor, 'fixtures', name);
}

/** Bytes of one of the project's own fixtures. */
export function fixture(vendor: VendorName, name: string): Buffer {
  return readFileSync(fixturePath(vendor, name));
}

/** Every fixture of every vendor, for the property tests. */
export function allFixtures(): { vendor: VendorName; name: string; body: Buffer }[] {
  const out: { vendor: VendorName; name: string; body: Buffer }[] = [];
  for (const vendor of ['sabre', 'amadeus', 'travelport', 'duffel', 'kiwi', 'generic'] as const) {
    const dir = join(VENDORS_DIR, vendor, 'fixtures');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort())
      out.push({ vendor, name, body: fixture(vendor, name) });
  }
  return out;
}

/**
 * The shared example payloads of `vendor` (name and bytes), or a reason to skip when the
 * folder is absent. Specifications (`*swagger*`) are left out.
 */
export function sharedExamples(
  vendor: VendorName,
): { files: { name: string; body: Buffer }[] } | { skip: string } {
  const dir = join(SHARED_EXAMPLES, vendor);
  if (!existsSync(dir)) return { skip: `no shared vendor examples at ${dir}` };
  const files = readdirSync(dir)
    .filter((f) => !/swagger|specification/i.test(f))
    .sort()
    .map((name) => ({ name, body: readFileSync(join(dir, name)) }));
  if (files.length === 0) return { skip: `no payloads in ${dir}` };
  return { files };
}

/** Asserts the adapter contract on a result: records re-validate; rejections have reasons. */
export function assertContract(result: AdapterResult): string | undefined {
  for (const r of result.records) {
    const v = validateRecord(r);
    if (!v.ok) return `record ${r.id} invalid: ${v.errors.join('; ')}`;
  }
  for (const r of result.rejected) {
    if (typeof r.reason !== 'string' || r.reason.trim() === '') return 'empty rejection reason';
    if (!Number.isInteger(r.index) || r.index < -1) return `bad rejection index ${r.index}`;
  }
  if (result.records.length === 0 && result.rejected.length === 0)
    return 'no records and no reason';
  return undefined;
}
