/**
 * Runs the lake's CLI commands (`catalog`, `lake`) on a bare commander program, as main.ts
 * will once they are registered: `node --import tsx src/cli/testing/lake-cli-harness.ts catalog ddl ...`.
 */
import { Command } from 'commander';
import { register as registerCatalog } from '../catalog.js';
import { register as registerLake } from '../lake.js';

const program = new Command('faresight').option('-c, --config <file>', 'config file');
program.exitOverride();
registerCatalog(program);
registerLake(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as Error & { code?: string };
  if (e.code?.startsWith('commander.')) process.exit(e.code === 'commander.helpDisplayed' ? 0 : 2);
  process.stderr.write(`faresight: ${e.message}\n`);
  process.exit(1);
}
