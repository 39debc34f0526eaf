/**
 * The `faresight` command. Each subcommand lives in its own file under src/cli/ and
 * exports `register(program)`; this file only lists them and turns errors into one
 * line on stderr and a non-zero exit code. A bug that escapes as an unhandled rejection or
 * an uncaught exception meets the process guard (src/ops/process-guard.ts).
 */
import { Command, CommanderError } from 'commander';
import { createLogger } from '../ops/logger.js';
import { installProcessGuard } from '../ops/process-guard.js';
import { register as api } from './api.js';
import { register as catalog } from './catalog.js';
import { register as config } from './config.js';
import { register as customers } from './customers.js';
import { register as deals } from './deals.js';
import { register as etl } from './etl.js';
import { register as forecast } from './forecast.js';
import { register as generate } from './generate.js';
import { register as graph } from './graph.js';
import { register as ingest } from './ingest.js';
import { register as lake } from './lake.js';
import { register as parse } from './parse.js';
import { register as query } from './query.js';
import { register as realtime } from './realtime.js';
import { register as sql } from './sql.js';
import { register as stream } from './stream.js';
import { register as up } from './up.js';
import { register as vendorToken } from './vendor-token.js';

/** Builds the command tree; exported for tests. */
export function buildProgram(): Command {
  const program = new Command('faresight')
    .description('Streaming platform for airline shopping data')
    .option(
      '-c, --config <file>',
      'config file (default: faresight.config.json|yaml in the working directory)',
    )
    .showHelpAfterError()
    .exitOverride();
  const commands = [
    up,
    ingest,
    lake,
    realtime,
    api,
    etl,
    sql,
    customers,
    graph,
    catalog,
    forecast,
    deals,
    generate,
    query,
    parse,
    stream,
    config,
    vendorToken,
  ];
  for (const r of commands) r(program);
  return program;
}

/** Runs the CLI with `argv` (as process.argv); never throws, exits non-zero on error. */
export async function main(argv: string[]): Promise<void> {
  installProcessGuard({ logger: createLogger('info', 'process') });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const e = err as Error;
    process.stderr.write(`faresight: ${e.message}\n`);
    if (process.env.FARESIGHT_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  }
}
