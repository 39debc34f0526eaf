import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { DealPercentiles } from '../analytics/deals/deal-label.js';
import { evaluateDeals } from '../analytics/deals/evaluate-deals.js';
import { parseFareCsv } from '../analytics/deals/fare-csv.js';
import { DEFAULT_MIN_FARES } from '../analytics/deals/segment-sketches.js';
import { intOption } from './options.js';

function readInput(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${flag} ${file}: ${(err as Error).message}`);
  }
}

/** Parses `0.1,0.25,0.75` (great, good, high). */
function percentilesOption(v: string): DealPercentiles {
  const p = v.split(',').map((s) => Number(s.trim()));
  if (p.length !== 3 || p.some((x) => !Number.isFinite(x)))
    throw new Error(`--percentiles must be three numbers great,good,high (got "${v}")`);
  return { great: p[0] as number, good: p[1] as number, high: p[2] as number };
}

/** Registers `faresight deals evaluate`: calibration of the deal labels on held-back fares. */
export function register(program: Command): void {
  const deals = program.command('deals').description('deal classification');
  deals
    .command('evaluate')
    .description(
      'build segment sketches from --history, label every --probe fare, print intended vs observed label shares as JSON',
    )
    .requiredOption(
      '--history <file>',
      'CSV market,cabin,lead_days,price[,stay_days,trip_type,carrier,stops,shopped_at]',
    )
    .requiredOption('--probe <file>', 'CSV with the same columns, the fares to label')
    .option(
      '--percentiles <great,good,high>',
      'percentile cut-offs of great, good and high',
      percentilesOption,
      { great: 0.1, good: 0.25, high: 0.75 },
    )
    .option(
      '--min-fares <n>',
      'fares a segment needs before it is used',
      intOption('--min-fares'),
      DEFAULT_MIN_FARES,
    )
    .action(
      (opts: {
        history: string;
        probe: string;
        percentiles: DealPercentiles;
        minFares: number;
      }) => {
        if (opts.minFares < 1)
          throw new Error(`--min-fares must be at least 1 (got ${opts.minFares})`);
        const history = parseFareCsv(readInput('--history', opts.history), opts.history);
        const probe = parseFareCsv(readInput('--probe', opts.probe), opts.probe);
        if (history.length === 0) throw new Error(`--history ${opts.history} has no fares`);
        const result = evaluateDeals(
          history,
          probe,
          { percentiles: opts.percentiles, minFares: opts.minFares },
          (n) =>
            process.stderr.write(
              `faresight: ${n} probe fares had no comparable history (no label)\n`,
            ),
        );
        process.stdout.write(`${JSON.stringify(result)}\n`);
      },
    );
}
