/** Test harness: the `faresight` CLI with only the ETL, customers, graph and SQL commands (as main.ts registers them). */
import { Command, CommanderError } from 'commander';
import { register as customers } from '../customers.js';
import { register as etl } from '../etl.js';
import { register as graph } from '../graph.js';
import { register as sql } from '../sql.js';

const program = new Command('faresight').option('-c, --config <file>').exitOverride();
for (const r of [etl, customers, graph, sql]) r(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError))
    process.stderr.write(`faresight: ${(err as Error).message}\n`);
  process.exitCode = err instanceof CommanderError ? err.exitCode : 1;
}
