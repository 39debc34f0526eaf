import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createAdapters } from '../vendors/adapters.js';
import { toInstant } from '../vendors/search-context.js';
import { isVendorName, VENDOR_NAMES } from '../vendors/vendor-adapter.js';

function collectHeader(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses repeated `--header 'Name: value'` flags into lower-case header names. */
export function parseHeaderFlags(flags: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const f of flags) {
    const colon = f.indexOf(':');
    const name = colon > 0 ? f.slice(0, colon).trim().toLowerCase() : '';
    if (!name) throw new Error(`--header must look like "Name: value" (got "${f}")`);
    headers[name] = f.slice(colon + 1).trim();
  }
  return headers;
}

/** Options of `faresight parse` that stand for the ingest context headers. */
export interface SearchContextFlags {
  pos?: string;
  shoppedAt?: string;
  transactionId?: string;
}

/**
 * The headers ingest would have received for the context flags, merged over `headers`
 * (a flag wins over the same `--header`). Throws naming the flag when `--pos` is not a
 * two-letter country code or `--shopped-at` not an ISO 8601 instant with a zone.
 */
export function contextHeaders(
  headers: Record<string, string>,
  flags: SearchContextFlags,
): Record<string, string> {
  const out = { ...headers };
  if (flags.pos !== undefined) {
    if (!/^[A-Za-z]{2}$/.test(flags.pos.trim())) {
      throw new Error(`--pos must be an ISO 3166 country code like US (got "${flags.pos}")`);
    }
    out['x-point-of-sale'] = flags.pos.trim().toUpperCase();
  }
  if (flags.shoppedAt !== undefined) {
    if (!toInstant(flags.shoppedAt)) {
      throw new Error(
        `--shopped-at must be an ISO 8601 instant with a zone like 2025-03-01T10:00:00Z (got "${flags.shoppedAt}")`,
      );
    }
    out['x-shopped-at'] = flags.shoppedAt.trim();
  }
  if (flags.transactionId !== undefined) {
    if (flags.transactionId.trim() === '') throw new Error('--transaction-id must not be empty');
    out['x-transaction-id'] = flags.transactionId.trim();
  }
  return out;
}

function readPayload(file: string): Buffer {
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (err) {
    throw new Error(`cannot read ${file === '-' ? 'stdin' : file}: ${(err as Error).message}`);
  }
}

/**
 * Registers `faresight parse --vendor NAME FILE`: runs a vendor adapter over a payload
 * file (or stdin with `-`), prints the normalized records as NDJSON on stdout and one
 * line per rejection on stderr. Exits 0 when at least one record came out, else 1.
 * `--pos`, `--shopped-at` and `--transaction-id` give the search context ingest takes
 * from headers, so a payload from the past reads as it would be ingested.
 */
export function register(program: Command): void {
  program
    .command('parse')
    .description('normalize a vendor payload: records as NDJSON on stdout, rejections on stderr')
    .requiredOption('--vendor <name>', `payload format: ${VENDOR_NAMES.join(', ')}`)
    .option(
      '--header <header>',
      "request header as 'Name: value' (repeatable), e.g. 'X-Point-Of-Sale: US'",
      collectHeader,
      [],
    )
    .option('--pos <country>', 'point of sale, as X-Point-Of-Sale (ISO country, e.g. GB)')
    .option(
      '--shopped-at <instant>',
      'when the search ran, as X-Shopped-At (ISO 8601 instant with a zone)',
    )
    .option('--transaction-id <id>', 'record id (the dedupe key), as X-Transaction-Id')
    .argument('<file>', "payload file, or '-' for stdin")
    .action((file: string, opts: { vendor: string; header: string[] } & SearchContextFlags) => {
      if (!isVendorName(opts.vendor)) {
        throw new Error(`unknown vendor "${opts.vendor}"; known: ${VENDOR_NAMES.join(', ')}`);
      }
      const headers = contextHeaders(parseHeaderFlags(opts.header), opts);
      const body = readPayload(file);
      const adapter = createAdapters()[opts.vendor];
      const { records, rejected } = adapter.parse(body, { headers, receivedAt: new Date() });
      if (records.length > 0) {
        process.stdout.write(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
      }
      for (const r of rejected) {
        const where = r.index < 0 ? 'payload' : `item ${r.index}`;
        process.stderr.write(`rejected ${where}: ${r.reason}\n`);
      }
      if (records.length === 0) {
        // an example payload from years ago, read as shopped now, has dates in the past
        const stale =
          headers['x-shopped-at'] === undefined &&
          rejected.some((r) => /is before the search \(shoppedAt/.test(r.reason));
        throw new Error(
          `no records in ${file === '-' ? 'stdin' : file} as ${opts.vendor} (${rejected.length} rejection${rejected.length === 1 ? '' : 's'})${stale ? ': its dates are before the time it was read as shopped (now); give --shopped-at with when it was shopped' : ''}`,
        );
      }
    });
}
