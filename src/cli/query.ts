import { type Command, Option } from 'commander';
import { formatRows, OUTPUT_FORMATS, type OutputFormat } from '../query/format-rows.js';
import { openLake } from './compose.js';
import { configFrom } from './options.js';

/** Thrown by the stdout sink once the reader has gone (`faresight query ... | head`). */
class OutputClosed extends Error {
  override name = 'OutputClosed';
}

/** Writes to stdout, waiting while the pipe is full; rejects with OutputClosed once it is closed. */
function stdoutSink(): (chunk: string) => Promise<void> {
  let closed = false;
  let waiting: (() => void) | undefined;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    closed = true;
    waiting?.();
  });
  return (chunk) =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new OutputClosed());
      if (chunk.length === 0 || process.stdout.write(chunk)) return resolve();
      waiting = () => {
        waiting = undefined;
        if (closed) reject(new OutputClosed());
        else resolve();
      };
      process.stdout.once('drain', () => waiting?.());
    });
}

/** Registers `faresight query "SQL"`: SQL over the lake tables, read-only beside a running platform. */
export function register(program: Command): void {
  program
    .command('query')
    .description(
      'run SQL over the lake (tables searches, offers; partition columns vendor, dt, hour)',
    )
    .argument('<sql>', 'the SQL statement, e.g. "select count(*) from searches"')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(OUTPUT_FORMATS).default('table'),
    )
    .action(async (sql: string, opts: { format: OutputFormat }, cmd: Command) => {
      const { config } = configFrom(cmd);
      const lake = await openLake(config);
      try {
        const result = await lake.open(sql);
        await formatRows(opts.format, result.columns, result.batches(), stdoutSink());
      } catch (err) {
        if (!(err instanceof OutputClosed)) throw err;
      } finally {
        await lake.close();
      }
    });
}
