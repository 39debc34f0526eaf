import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { evaluateForecasts } from '../analytics/forecast/evaluate-forecasts.js';
import { ForecastPool } from '../analytics/forecast/forecast-pool.js';
import { parseSeriesCsv } from '../analytics/forecast/series-csv.js';
import { intOption } from './options.js';

/** Options of `faresight forecast evaluate`, as commander parses them. */
interface EvaluateFlags {
  input: string;
  season: number;
  horizon: number;
  origins: number;
  window?: number;
  threads: number;
}

function atLeast(name: string, v: number, min: number): void {
  if (v < min) throw new Error(`${name} must be at least ${min} (got ${v})`);
}

/** Registers `faresight forecast evaluate`: rolling-origin accuracy of automatic ETS vs seasonal naive. */
export function register(program: Command): void {
  const forecast = program.command('forecast').description('demand forecasting');
  forecast
    .command('evaluate')
    .description(
      'rolling-origin evaluation of automatic ETS and seasonal naive on a series_id,date,value CSV; prints JSON',
    )
    .requiredOption('--input <file>', 'CSV with columns series_id,date,value')
    .requiredOption(
      '--season <m>',
      'seasonal period (e.g. 12 monthly, 7 daily, 52 weekly)',
      intOption('--season'),
    )
    .requiredOption('--horizon <h>', 'forecast horizon in observations', intOption('--horizon'))
    .option('--origins <k>', 'number of forecast origins: n-H*K ... n-H', intOption('--origins'), 1)
    .option(
      '--window <w>',
      'fit on the last W observations before each origin',
      intOption('--window'),
    )
    .option(
      '--threads <n>',
      'worker threads that fit the series (default: one per core)',
      intOption('--threads'),
      availableParallelism(),
    )
    .action(async (opts: EvaluateFlags) => {
      atLeast('--season', opts.season, 1);
      atLeast('--horizon', opts.horizon, 1);
      atLeast('--origins', opts.origins, 1);
      if (opts.window !== undefined) atLeast('--window', opts.window, 3);
      atLeast('--threads', opts.threads, 1);
      let text: string;
      try {
        text = readFileSync(opts.input, 'utf8');
      } catch (err) {
        throw new Error(`cannot read --input ${opts.input}: ${(err as Error).message}`);
      }
      const series = parseSeriesCsv(text, opts.input);
      // the threads are this command's work, not background to a serving loop
      const pool = await ForecastPool.start({ threads: opts.threads, niceness: 0 });
      let report: Awaited<ReturnType<typeof evaluateForecasts>>;
      try {
        report = await evaluateForecasts(series, {
          season: opts.season,
          horizon: opts.horizon,
          origins: opts.origins,
          window: opts.window,
          fit: (req) => pool.fit(req),
          onSkip: (id, reason) =>
            process.stderr.write(`faresight: skipping series "${id}": ${reason}\n`),
        });
      } finally {
        await pool.close();
      }
      process.stdout.write(`${JSON.stringify(report)}\n`);
    });
}
