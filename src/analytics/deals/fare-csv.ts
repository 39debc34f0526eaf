import { CsvInputError } from '../forecast/errors.js';
import { splitCsvLine } from '../forecast/series-csv.js';
import type { FareFeatures } from './fare-segment.js';

/** One row of a `deals evaluate` CSV. */
export interface FareRow {
  readonly features: FareFeatures;
  readonly price: number;
  /** When the fare was shopped (epoch ms), from the optional `shopped_at` column. */
  readonly shoppedAt?: number;
}

/**
 * Parses a fares CSV with columns `market,cabin,lead_days,price` and optionally
 * `stay_days,trip_type,carrier,stops,shopped_at` (any order, extra columns ignored; carrier and
 * stops are read for compatibility but do not define segments). Without `trip_type`, a
 * row with `stay_days` is a round trip, else one-way. Throws CsvInputError naming the
 * line for a missing column, an empty market or cabin, a lead_days that is not a
 * non-negative number, a stay_days that is neither empty nor a non-negative number, or a
 * price that is not a positive number, or a shopped_at that is neither empty nor an ISO
 * 8601 time.
 */
export function parseFareCsv(text: string, file = 'input'): FareRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '')?.map((h) => h.trim().toLowerCase());
  if (!header) throw new CsvInputError(file, 1, 'malformed header');
  const need = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0)
      throw new CsvInputError(
        file,
        1,
        `missing column "${name}" (need market,cabin,lead_days,price)`,
      );
    return i;
  };
  const iMarket = need('market');
  const iCabin = need('cabin');
  const iLead = need('lead_days');
  const iPrice = need('price');
  const iStay = header.indexOf('stay_days');
  const iTrip = header.indexOf('trip_type');
  const iShop = header.indexOf('shopped_at');
  const rows: FareRow[] = [];
  for (let ln = 1; ln < lines.length; ln++) {
    const raw = lines[ln] as string;
    if (raw.trim() === '') continue;
    const line = ln + 1;
    const c = splitCsvLine(raw);
    if (!c || c.length < header.length)
      throw new CsvInputError(
        file,
        line,
        `expected ${header.length} columns, got "${raw.slice(0, 80)}"`,
      );
    const market = (c[iMarket] as string).trim();
    const cabin = (c[iCabin] as string).trim().toLowerCase();
    if (market === '') throw new CsvInputError(file, line, 'empty market');
    if (cabin === '') throw new CsvInputError(file, line, 'empty cabin');
    const leadS = (c[iLead] as string).trim();
    const lead = Number(leadS);
    if (leadS === '' || !Number.isFinite(lead) || lead < 0)
      throw new CsvInputError(file, line, `lead_days "${leadS}" is not a non-negative number`);
    const priceS = (c[iPrice] as string).trim();
    const price = Number(priceS);
    if (priceS === '' || !Number.isFinite(price) || price <= 0)
      throw new CsvInputError(file, line, `price "${priceS}" is not a positive number`);
    let stay: number | undefined;
    if (iStay >= 0) {
      const s = (c[iStay] as string).trim();
      if (s !== '') {
        stay = Number(s);
        if (!Number.isFinite(stay) || stay < 0)
          throw new CsvInputError(file, line, `stay_days "${s}" is not a non-negative number`);
      }
    }
    let shoppedAt: number | undefined;
    if (iShop >= 0) {
      const s = (c[iShop] as string).trim();
      if (s !== '') {
        shoppedAt = /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : Number.NaN;
        if (!Number.isFinite(shoppedAt))
          throw new CsvInputError(file, line, `shopped_at "${s}" is not an ISO 8601 time`);
      }
    }
    const trip =
      iTrip >= 0 && (c[iTrip] as string).trim() !== ''
        ? (c[iTrip] as string)
            .trim()
            .toLowerCase()
            .replace(/[^a-z]/g, '')
        : stay !== undefined
          ? 'roundtrip'
          : 'oneway';
    rows.push({
      features: {
        market,
        cabin,
        tripType: trip,
        leadDays: Math.floor(lead),
        stayDays: stay,
        currency: '',
      },
      price,
      ...(shoppedAt === undefined ? {} : { shoppedAt }),
    });
  }
  return rows;
}
