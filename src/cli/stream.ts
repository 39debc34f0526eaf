import type { Command } from 'commander';

/** Registers `faresight stream`. (Placeholder until the command is written.) */
export function register(_program: Command): void {}
