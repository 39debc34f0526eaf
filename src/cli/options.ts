import type { Command } from 'commander';
import { checkExposure, type ExposedRole } from '../config/check-exposure.js';
import type { Config } from '../config/config.js';
import { type LoadedConfig, loadConfig } from '../config/load-config.js';
import type { Logger } from '../ops/logger.js';

/**
 * Loads the config for a subcommand, honouring the global `--config` option and
 * `overrides` (dotted keys such as `ingest.port`) from the subcommand's own flags. Each
 * deprecated key or variable found is reported on stderr (`warning: ...`).
 */
export function configFrom(cmd: Command, overrides: Record<string, unknown> = {}): LoadedConfig {
  const globals = cmd.optsWithGlobals() as { config?: string };
  const loaded = loadConfig({ file: globals.config, overrides });
  for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
  return loaded;
}

/** Parses an integer flag, naming the flag in the error. */
export function intOption(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`${name} must be an integer (got "${v}")`);
    return n;
  };
}

/** Help text of `--insecure`, shared by the commands that serve. */
export const INSECURE_HELP =
  'listen beyond loopback even without vendor secrets / API keys (anyone who reaches the port may post or read)';

/**
 * Refuses (InsecureExposureError) to serve `roles` beyond loopback without authentication
 * unless `insecure`; with it, logs each exposure as a warning.
 */
export function guardExposure(
  config: Config,
  roles: readonly ExposedRole[],
  insecure: boolean | undefined,
  logger: Logger,
): void {
  for (const problem of checkExposure(config, roles, insecure === true))
    logger.warn(`--insecure: ${problem}`);
}
