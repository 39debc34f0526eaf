/**
 * `faresight generate`: the synthetic shopping feed on the command line. NDJSON to stdout
 * (default) or a file, or posted to ingest; progress on stderr only.
 */
import { randomInt } from 'node:crypto';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { GeneratorOptionError } from '../generator/errors.js';
import { DEFAULT_VENDOR } from '../generator/generator.js';
import { checkFeedOptions, type FeedOptions, runFeed } from '../generator/run-feed.js';
import { createLogger } from '../ops/logger.js';
import {
  readSecretFile,
  refusedTokenOption,
  tokenOnArgvError,
  VENDOR_TOKEN_ENV,
} from './read-secret.js';

/** Default records per second of `faresight generate`. */
export const DEFAULT_GENERATE_RATE = 100;
/** A progress line (non-TTY stderr) every this many ms. */
const PROGRESS_LINE_MS = 5000;

interface GenerateFlags {
  seed?: number;
  rate: number;
  duration?: number;
  count?: number;
  vendor: string;
  target?: string;
  out?: string;
  token?: string;
  tokenFile?: string;
  batchSize?: number;
  start?: Date;
  localCurrency?: boolean;
}

function positiveNumber(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new Error(`${flag} must be a positive number (got "${v}")`);
    }
    return n;
  };
}

function positiveInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n <= 0) {
      throw new Error(`${flag} must be a positive integer (got "${v}")`);
    }
    return n;
  };
}

function seedValue(v: string): number {
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) {
    throw new Error(`--seed must be an integer (got "${v}")`);
  }
  return n;
}

function instant(v: string): Date {
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime())) {
    throw new Error(
      `--start must be an ISO date or instant such as 2025-01-01T00:00:00Z (got "${v}")`,
    );
  }
  return d;
}

/** Registers `faresight generate`. */
export function register(program: Command): void {
  program
    .command('generate')
    .description(
      'generate synthetic flight-shopping records: NDJSON to stdout or --out, or posted to ingest with --target',
    )
    .option(
      '--seed <n>',
      'random seed; the same seed (and --start) gives the same records (default: random)',
      seedValue,
    )
    .option(
      '--rate <r>',
      'records per second (with --count: of the simulated clock)',
      positiveNumber('--rate'),
      DEFAULT_GENERATE_RATE,
    )
    .option(
      '--duration <s>',
      'stop after this many seconds (default: until Ctrl-C)',
      positiveNumber('--duration'),
    )
    .option(
      '--count <n>',
      'generate exactly n records as fast as possible, then stop',
      positiveInt('--count'),
    )
    .option('--vendor <name>', 'vendor name on the records and in the ingest route', DEFAULT_VENDOR)
    .option('--target <url>', 'post to ingest at this base URL, e.g. http://127.0.0.1:7070')
    .option('--out <file>', 'write NDJSON to this file (- for stdout)')
    .option(
      '--token-file <file>',
      `file holding the vendor secret, sent as Authorization: Bearer <secret> (- = stdin; default: the ${VENDOR_TOKEN_ENV} environment variable)`,
    )
    .addOption(refusedTokenOption())
    .option(
      '--batch-size <n>',
      'records per POST or write (default 50)',
      positiveInt('--batch-size'),
    )
    .option(
      '--start <instant>',
      'start of the simulated clock (default with --count: start of today, UTC)',
      instant,
    )
    .option(
      '--local-currency',
      'price in the point of sale currency (EUR, GBP, JPY) instead of USD',
    )
    .showHelpAfterError(false)
    .showSuggestionAfterError(false)
    .action(async (flags: GenerateFlags) => {
      if (flags.target !== undefined && flags.out !== undefined) {
        throw new Error('--target and --out cannot be used together (choose one destination)');
      }
      if (flags.token !== undefined)
        throw tokenOnArgvError(`--token-file FILE or the ${VENDOR_TOKEN_ENV} environment variable`);
      const token =
        flags.tokenFile !== undefined
          ? readSecretFile('--token-file', flags.tokenFile)
          : process.env[VENDOR_TOKEN_ENV]?.trim() || undefined;
      await generate({ ...flags, token });
    });
}

/** Flag spelling of a feed option, for error messages. */
function flagOf(option: string): string {
  const names: Record<string, string> = { durationSeconds: 'duration', batchSize: 'batch-size' };
  return `--${names[option] ?? option}`;
}

async function generate(flags: GenerateFlags): Promise<void> {
  const controller = new AbortController();
  const total =
    flags.count ??
    (flags.duration !== undefined ? Math.round(flags.rate * flags.duration) : undefined);
  const destination =
    flags.target ?? (flags.out === undefined || flags.out === '-' ? 'stdout' : flags.out);
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = performance.now();
  let lastSent = 0;
  // Drawn here rather than in the generator so the summary can name it for a rerun.
  const seed = flags.seed ?? randomInt(0, 2 ** 32);
  const opts: FeedOptions = {
    seed,
    rate: flags.rate,
    durationSeconds: flags.duration,
    count: flags.count,
    vendor: flags.vendor,
    target: flags.target,
    token: flags.token,
    out: flags.target === undefined ? (flags.out ?? '-') : undefined,
    batchSize: flags.batchSize,
    start: flags.start,
    localCurrency: flags.localCurrency,
    signal: controller.signal,
    logger: createLogger('warn', 'generate'),
    onProgress: (sent, failed) => {
      if (bar) {
        bar.update(sent + failed, { failed });
        return;
      }
      const now = performance.now();
      if (now - lastLine >= PROGRESS_LINE_MS) {
        const perSecond = Math.round(((sent - lastSent) * 1000) / (now - lastLine));
        process.stderr.write(
          `generate: ${sent}${total !== undefined ? `/${total}` : ''} records to ${destination}, ${failed} failed, ${perSecond}/s\n`,
        );
        lastLine = now;
        lastSent = sent;
      }
    },
  };
  try {
    checkFeedOptions(opts);
  } catch (err) {
    if (err instanceof GeneratorOptionError) {
      throw new Error(`${flagOf(err.option)} ${err.reason} (got ${JSON.stringify(err.value)})`);
    }
    throw err;
  }
  if (process.stderr.isTTY === true && total !== undefined) {
    bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format:
          'generate |{bar}| {percentage}% {value}/{total} records, {failed} failed, {eta_formatted} left',
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { failed: 0 });
  }
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const began = performance.now();
  try {
    const result = await runFeed(opts);
    bar?.stop();
    bar = undefined;
    const seconds = (performance.now() - began) / 1000;
    process.stderr.write(
      `generate: ${result.sent} records to ${destination} in ${seconds.toFixed(1)} s${flags.target ? `, ${result.accepted} accepted` : ''}, ${result.failed} failed (seed ${seed})\n`,
    );
    if (result.failed > 0) {
      throw new Error(`${result.failed} records were not delivered to ${destination}`);
    }
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
