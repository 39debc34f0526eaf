import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { hashToken } from '../ingest/vendor-auth.js';
import { isVendorName, VENDOR_NAMES } from '../vendors/vendor-adapter.js';

/** Registers `faresight vendor-token VENDOR`: a new secret and the config entry holding its hash. */
export function register(program: Command): void {
  program
    .command('vendor-token')
    .argument('<vendor>', `vendor route (${VENDOR_NAMES.join(', ')})`)
    .description(
      'make a new ingest secret for a vendor; prints the token (give it to the vendor) and its config entry',
    )
    .option('--token <secret>', 'hash this secret instead of making a new one')
    .action((vendor: string, opts: { token?: string }) => {
      if (!isVendorName(vendor))
        throw new Error(`unknown vendor "${vendor}" (known: ${VENDOR_NAMES.join(', ')})`);
      const token = opts.token ?? randomBytes(24).toString('base64url');
      process.stdout.write(
        `token: ${token}\nconfig (faresight.config.json, under "ingest"):\n${JSON.stringify({ vendors: { [vendor]: { tokenSha256: hashToken(token) } } }, null, 2)}\n`,
      );
    });
}
