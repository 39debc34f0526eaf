import { existsSync, readFileSync } from 'node:fs';
import { splitCsvLine } from '../../forecast/series-csv.js';
import type { FareRow } from '../fare-csv.js';

/** The shared Expedia sample (8,214 one-way US fares over 171 shopping days). */
export const EXPEDIA_SAMPLE = new URL(
  '../../../../../shared/data/fares/expedia_itineraries_sample.csv',
  import.meta.url,
);

/** The Expedia sample as fare rows with shopping times; undefined when it is absent. */
export function expediaFares(): FareRow[] | undefined {
  if (!existsSync(EXPEDIA_SAMPLE)) return undefined;
  const lines = readFileSync(EXPEDIA_SAMPLE, 'utf8')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/);
  const h = splitCsvLine(lines[0] as string) as string[];
  const ix = (n: string) => h.indexOf(n);
  return lines.slice(1).map((l) => {
    const c = splitCsvLine(l) as string[];
    const shopped = Date.parse(c[ix('searchDate')] as string);
    return {
      features: {
        market: `${c[ix('startingAirport')]}-${c[ix('destinationAirport')]}`,
        cabin: (c[ix('segmentsCabinCode')] as string).split('||')[0] as string,
        tripType: 'oneway',
        leadDays: (Date.parse(c[ix('flightDate')] as string) - shopped) / 864e5,
        currency: '',
      },
      price: Number(c[ix('totalFare')]),
      shoppedAt: shopped,
    };
  });
}

/**
 * The fares held back by time, as the real-time path sees them: history the first
 * `historyDays` days of shopping, probe every fare shopped after.
 */
export function splitByShoppingDay(
  rows: readonly FareRow[],
  historyDays = 28,
): { history: FareRow[]; probe: FareRow[] } {
  const sorted = [...rows].sort((a, b) => (a.shoppedAt as number) - (b.shoppedAt as number));
  const cut = (sorted[0]?.shoppedAt as number) + historyDays * 864e5;
  return {
    history: sorted.filter((r) => (r.shoppedAt as number) < cut),
    probe: sorted.filter((r) => (r.shoppedAt as number) >= cut),
  };
}
