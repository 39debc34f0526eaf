/**
 * Secrets on the command line are visible to every user of the machine (`ps`, shell
 * history), so commands read them from a file or the environment instead.
 */
import { readFileSync } from 'node:fs';
import { Option } from 'commander';

/** Environment variable holding a vendor secret for `generate` (and nothing else). */
export const VENDOR_TOKEN_ENV = 'FARESIGHT_VENDOR_TOKEN';

/**
 * The secret in `file` (`-` = stdin), its surrounding whitespace removed. Throws naming
 * the flag and the file when it cannot be read or is empty.
 */
export function readSecretFile(flag: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new Error(`${flag}: cannot read ${file}: ${(err as Error).message}`);
  }
  const secret = text.trim();
  if (secret === '') throw new Error(`${flag}: ${file} is empty`);
  if (/\s/.test(secret)) throw new Error(`${flag}: ${file} must hold one token (no whitespace)`);
  return secret;
}

/**
 * A hidden `--token` that only explains why it is refused: kept so that an old script
 * fails with a clear message instead of "unknown option".
 */
export function refusedTokenOption(): Option {
  return new Option('--token <secret>', 'refused: use --token-file').hideHelp();
}

/** The message of a refused `--token`. */
export function tokenOnArgvError(alternatives: string): Error {
  return new Error(
    `--token is no longer accepted: a secret on the command line is visible to every user of the machine (ps); use ${alternatives}`,
  );
}
