import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { formatRows, OUTPUT_FORMATS, type TextSink } from '../query/format-rows.js';
import { openLake } from './compose/lake.js';
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
/** Writes to a temporary file beside `file`; `commit` renames it into place, `abort` removes it. */
function fileSink(file: string) {
  const tmp = `${file}.tmp-${process.pid}`;
  const out = fs.createWriteStream(tmp);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const write: TextSink = (chunk) =>
    Promise.race([
      failed,
      new Promise<void>((resolve) => {
        if (chunk.length === 0 || out.write(chunk)) resolve();
        else out.once('drain', resolve);
      }),
    ]);
  return {
    write,
    commit: async () => {
      await Promise.race([failed, new Promise<void>((resolve) => out.end(resolve))]);
      await fsp.rename(tmp, file);
    },
    abort: async () => {
      out.destroy();
      await fsp.rm(tmp, { force: true });
    },
  };
}

const FORMATS = [...OUTPUT_FORMATS, 'parquet'] as const;
type Format = (typeof FORMATS)[number];

/** Registers `faresight query "SQL"`: SQL over the lake tables, read-only beside a running platform. */
export function register(program: Command): void {
  program
    .command('query')
    .description(
      'run SQL over the lake (tables searches, offers, ingest_stats, dead_letters; partition columns vendor, dt, hour)',
    )
    .argument('<sql>', 'the SQL statement, e.g. "select count(*) from searches"')
    .addOption(
      new Option('-f, --format <format>', 'output format (parquet needs --output)')
        .choices(FORMATS)
        .default('table'),
    )
    .option(
      '-o, --output <file>',
      'write the result to this file (it appears whole or not at all) instead of stdout',
    )
    .option(
      '--include-archive',
      'also read partitions the lifecycle moved to the archive tier (<dataDir>/archive; local lake)',
    )
    .action(
      async (
        sql: string,
        opts: { format: Format; output?: string; includeArchive?: boolean },
        cmd: Command,
      ) => {
        const { config } = configFrom(cmd);
        if (opts.format === 'parquet' && !opts.output)
          cmd.error('error: --format parquet writes a file: give it with --output FILE');
        const lake = await openLake(config, { includeArchive: opts.includeArchive === true });
        try {
          if (opts.format === 'parquet') {
            const rows = await lake.toParquet(sql, opts.output!);
            process.stderr.write(`${rows} rows written to ${opts.output}\n`);
            return;
          }
          const result = await lake.open(sql);
          if (!opts.output) {
            await formatRows(opts.format, result.columns, result.batches(), stdoutSink());
            return;
          }
          const sink = fileSink(opts.output);
          try {
            const rows = await formatRows(
              opts.format,
              result.columns,
              result.batches(),
              sink.write,
            );
            await sink.commit();
            process.stderr.write(`${rows} rows written to ${opts.output}\n`);
          } catch (err) {
            await sink.abort();
            throw err;
          }
        } catch (err) {
          if (!(err instanceof OutputClosed)) throw err;
        } finally {
          await lake.close();
        }
      },
    );
}
