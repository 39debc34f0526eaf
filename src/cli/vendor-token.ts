import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { hashToken } from '../ingest/vendor-auth.js';
import { isVendorName, VENDOR_NAMES } from '../vendors/vendor-adapter.js';
import { readSecretFile, refusedTokenOption, tokenOnArgvError } from './read-secret.js';

/** Registers `faresight vendor-token VENDOR`: a new secret and the config entry holding its hash. */
export function register(program: Command): void {
  program
    .command('vendor-token')
    .argument('<vendor>', `vendor route (${VENDOR_NAMES.join(', ')})`)
    .description(
      'make a new ingest secret for a vendor; prints the token (give it to the vendor) and its config entry',
    )
    .option(
      '--token-file <file>',
      'hash the secret in this file (- = stdin) instead of making a new one',
    )
    .addOption(refusedTokenOption())
    .action((vendor: string, opts: { token?: string; tokenFile?: string }) => {
      if (!isVendorName(vendor))
        throw new Error(`unknown vendor "${vendor}" (known: ${VENDOR_NAMES.join(', ')})`);
      if (opts.token !== undefined) throw tokenOnArgvError('--token-file FILE (- = stdin)');
      const token =
        opts.tokenFile !== undefined
          ? readSecretFile('--token-file', opts.tokenFile)
          : randomBytes(24).toString('base64url');
      // a secret read from a file is not echoed: it is already where its owner keeps it
      process.stdout.write(
        `${opts.tokenFile === undefined ? `token: ${token}\n` : ''}config (faresight.config.json, under "ingest"):\n${JSON.stringify({ vendors: { [vendor]: { tokenSha256: hashToken(token) } } }, null, 2)}\n`,
      );
    });
}
