import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createAdapters } from '../vendors/adapters.js';
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
    .argument('<file>', "payload file, or '-' for stdin")
    .action((file: string, opts: { vendor: string; header: string[] }) => {
      if (!isVendorName(opts.vendor)) {
        throw new Error(`unknown vendor "${opts.vendor}"; known: ${VENDOR_NAMES.join(', ')}`);
      }
      const headers = parseHeaderFlags(opts.header);
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
        throw new Error(
          `no records in ${file === '-' ? 'stdin' : file} as ${opts.vendor} (${rejected.length} rejection${rejected.length === 1 ? '' : 's'})`,
        );
      }
    });
}
