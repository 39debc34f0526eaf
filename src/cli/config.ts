import type { Command } from 'commander';
import { configKeys } from '../config/config-keys.js';
import { renderConfigReference } from '../config/config-reference.js';
import { configFrom } from './options.js';

/** Registers `faresight config`: prints the effective configuration as JSON. */
export function register(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration (file + FARESIGHT_* environment + defaults)')
    .option('--env', 'list every FARESIGHT_* variable and the key it sets')
    .option('--reference', 'print the configuration reference (docs/configuration.md) as Markdown')
    .action((opts: { env?: boolean; reference?: boolean }, cmd: Command) => {
      if (opts.reference) {
        process.stdout.write(renderConfigReference());
        return;
      }
      if (opts.env) {
        for (const e of configKeys()) process.stdout.write(`${e.env}\t${e.path.join('.')}\n`);
        return;
      }
      const loaded = configFrom(cmd);
      process.stderr.write(
        `# file: ${loaded.file ?? '(none)'}; environment: ${loaded.env.join(', ') || '(none)'}\n`,
      );
      process.stdout.write(`${JSON.stringify(loaded.config, null, 2)}\n`);
    });
}
