import type { Command } from 'commander';
import { type LoadedConfig, loadConfig } from '../config/load-config.js';

/**
 * Loads the config for a subcommand, honouring the global `--config` option and
 * `overrides` (dotted keys such as `ingest.port`) from the subcommand's own flags.
 */
export function configFrom(cmd: Command, overrides: Record<string, unknown> = {}): LoadedConfig {
  const globals = cmd.optsWithGlobals() as { config?: string };
  return loadConfig({ file: globals.config, overrides });
}

/** Parses an integer flag, naming the flag in the error. */
export function intOption(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`${name} must be an integer (got "${v}")`);
    return n;
  };
}
