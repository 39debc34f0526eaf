import type { Command } from 'commander';

/** Registers `faresight ingest`. (Placeholder until the command is written.) */
export function register(_program: Command): void {}
