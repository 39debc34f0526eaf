/**
 * The `faresight` command. Each subcommand lives in its own file under src/cli/ and
 * exports `register(program)`; this file lists them and turns errors into one line on
 * stderr and a non-zero exit code.
 *
 * A command loads only its own module: the others appear as stubs named and described
 * from COMMANDS, so `faresight help` imports no backend at all (a test checks that each
 * stub's description is its module's). The full tree is `buildProgram()`; `faresight help
 * --reference` prints it as docs/cli.md (cli-reference.ts). A bug that
 * escapes as an unhandled rejection or an uncaught exception meets the process guard
 * (src/ops/process-guard.ts).
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { createLogger } from '../ops/logger.js';
import { installProcessGuard } from '../ops/process-guard.js';

/** A module under src/cli/ that registers top-level commands. */
type Register = (program: Command) => void;

const streamModule = () => import('./stream.js');

/**
 * Every top-level command: the module that registers it (one module may register
 * several: stream.ts registers `stream` and `replay`), and its description for the help
 * listing.
 */
export const COMMANDS: readonly {
  name: string;
  load: () => Promise<{ register: Register }>;
  description: string;
}[] = [
  {
    name: 'up',
    load: () => import('./up.js'),
    description:
      'run every role in one process: ingest, stream, lake writer, real-time pipeline, API',
  },
  {
    name: 'ingest',
    load: () => import('./ingest.js'),
    description: 'run the ingest service (POST /v1/ingest/:vendor) on the configured stream',
  },
  {
    name: 'lake',
    load: () => import('./lake.js'),
    description:
      'run the lake writer: consume the shopping, ingest-stats and dead-letters streams and write Parquet until Ctrl-C',
  },
  {
    name: 'realtime',
    load: () => import('./realtime.js'),
    description:
      'run the real-time use cases (consumer groups rt-<name>) on the configured stream and row store; records that keep failing go to the dead-letters stream',
  },
  {
    name: 'api',
    load: () => import('./api.js'),
    description:
      'run the API (its routes: faresight help api) on the configured row store and cache; with the embedded PGlite row store no other process may have it open (use rowStore.backend=postgres to scale out)',
  },
  {
    name: 'etl',
    load: () => import('./etl.js'),
    description:
      'run the ETL scheduler (default ponds and customer jobs on their cron schedules); subcommands run one job, backfill or show status',
  },
  {
    name: 'sql',
    load: () => import('./sql.js'),
    description:
      'serve the ponds to BI tools over the Postgres wire protocol (user = customer, password = API key)',
  },
  {
    name: 'customers',
    load: () => import('./customers.js'),
    description: 'customers of the data ponds: API keys, grants and customer jobs',
  },
  {
    name: 'graph',
    load: () => import('./graph.js'),
    description: 'the route graph kept in the row store',
  },
  {
    name: 'catalog',
    load: () => import('./catalog.js'),
    description: 'the lake catalog: tables, schema versions, partitions, DDL for other engines',
  },
  {
    name: 'forecast',
    load: () => import('./forecast.js'),
    description: 'demand forecasting',
  },
  { name: 'deals', load: () => import('./deals.js'), description: 'deal classification' },
  {
    name: 'generate',
    load: () => import('./generate.js'),
    description:
      'generate synthetic flight-shopping records: NDJSON to stdout or --out, or posted to ingest with --target',
  },
  {
    name: 'query',
    load: () => import('./query.js'),
    description:
      'run SQL over the lake (tables searches, offers, ingest_stats, dead_letters; partition columns vendor, dt, hour)',
  },
  {
    name: 'parse',
    load: () => import('./parse.js'),
    description: 'normalize a vendor payload: records as NDJSON on stdout, rejections on stderr',
  },
  {
    name: 'stream',
    load: streamModule,
    description: 'inspect or reshard the shopping stream',
  },
  {
    name: 'replay',
    load: streamModule,
    description:
      'rewind a consumer group to a time within retention; its running consumer picks it up',
  },
  {
    name: 'config',
    load: () => import('./config.js'),
    description: 'print the effective configuration (file + FARESIGHT_* environment + defaults)',
  },
  {
    name: 'vendor-token',
    load: () => import('./vendor-token.js'),
    description:
      'make a new ingest secret for a vendor; prints the token (give it to the vendor) and its config entry',
  },
];

/** The package's version, from package.json two folders up (src/cli or dist/cli). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

function root(): Command {
  return new Command('faresight')
    .description('Streaming platform for airline shopping data')
    .version(version(), '-V, --version', 'print the version')
    .option(
      '-c, --config <file>',
      'config file (default: faresight.config.json|yaml in the working directory)',
    )
    .showHelpAfterError()
    .exitOverride();
}

/**
 * The command tree with the modules of `load` registered in full and the other commands
 * as stubs (name and description only), in COMMANDS order.
 */
async function programFor(names: ReadonlySet<string>): Promise<Command> {
  const program = root();
  const modules = new Set(COMMANDS.filter((c) => names.has(c.name)).map((c) => c.load));
  for (const c of COMMANDS) {
    if (program.commands.some((p) => p.name() === c.name)) continue;
    if (modules.has(c.load)) (await c.load()).register(program);
    else program.command(c.name).description(c.description);
  }
  return program;
}

/** The full command tree, every module loaded; exported for tests and generated docs. */
export function buildProgram(): Promise<Command> {
  return programFor(new Set(COMMANDS.map((c) => c.name)));
}

/**
 * The top-level command `argv` runs (for `help X`, X), or undefined for the listing:
 * the first word that is not an option or the value of `-c/--config`.
 */
export function invokedCommand(argv: readonly string[]): string | undefined {
  const words: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--config') i++;
    else if (!a.startsWith('-')) words.push(a);
    if (words.length === 2) break;
  }
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.some((c) => c.name === name) ? name : undefined;
}

/** Runs the CLI with `argv` (as process.argv); never throws, exits non-zero on error. */
export async function main(argv: string[]): Promise<void> {
  installProcessGuard({ logger: createLogger('info', 'process') });
  try {
    if (argv[2] === 'help' && argv[3] === '--reference' && argv.length === 4) {
      const { renderCliReference } = await import('./cli-reference.js');
      process.stdout.write(renderCliReference(await buildProgram()));
      return;
    }
    const name = invokedCommand(argv);
    const program = await programFor(new Set(name ? [name] : []));
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
    // a cluster worker's IPC channel to its primary keeps it alive: exit, so the primary
    // sees the failure and replaces the worker or gives up (stderr to a pipe is synchronous)
    if (cluster.isWorker) process.exit(1);
  }
}
