import { CsvInputError } from './errors.js';

/** One series of the evaluate input, observations in date order. */
export interface InputSeries {
  readonly id: string;
  readonly dates: readonly string[];
  readonly values: Float64Array;
}

/**
 * A sortable time key for a date cell: plain numbers (`3`, `200507`) as numbers,
 * `YYYY-MM[-DD][Thh:mm…]` (also with `/` or `.`, unpadded) as UTC milliseconds, anything
 * else through Date.parse. NaN when not recognised.
 */
export function dateKey(s: string): number {
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = /^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?/.exec(
    s,
  );
  if (m)
    return Date.UTC(
      Number(m[1]),
      Number(m[2]) - 1,
      m[3] ? Number(m[3]) : 1,
      m[4] ? Number(m[4]) : 0,
      m[5] ? Number(m[5]) : 0,
      m[6] ? Number(m[6]) : 0,
    );
  return Date.parse(s);
}

/** Splits one CSV line with RFC 4180 quoting ("a,b" and "" inside quotes). */
export function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= line.length) return undefined;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += line[i];
        i++;
      }
      out.push(v);
      if (i < line.length && line[i] !== ',') return undefined;
      i++;
    } else {
      const j = line.indexOf(',', i);
      if (j < 0) {
        out.push(line.slice(i));
        break;
      }
      out.push(line.slice(i, j));
      i = j + 1;
      if (i === line.length) {
        out.push('');
        break;
      }
    }
  }
  return out;
}

/**
 * Parses `series_id,date,value` CSV text (header required, columns in any order, extra
 * columns ignored, BOM and CRLF accepted, blank lines skipped). Rows of a series may come
 * in any order: each series is sorted by date (see dateKey). Throws CsvInputError naming the line for a
 * missing column, a malformed line, an empty id or date, a value that is not a finite
 * number, or a date repeated within a series.
 */
export function parseSeriesCsv(text: string, file = 'input'): InputSeries[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '')?.map((h) => h.trim().toLowerCase());
  if (!header) throw new CsvInputError(file, 1, 'malformed header');
  const idx = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0)
      throw new CsvInputError(file, 1, `missing column "${name}" (need series_id,date,value)`);
    return i;
  };
  const iId = idx('series_id');
  const iDate = idx('date');
  const iValue = idx('value');
  const bySeries = new Map<string, { date: string; key: number; value: number; line: number }[]>();
  for (let ln = 1; ln < lines.length; ln++) {
    const raw = lines[ln] as string;
    if (raw.trim() === '') continue;
    const cols = splitCsvLine(raw);
    const lineNo = ln + 1;
    if (!cols || cols.length < header.length)
      throw new CsvInputError(
        file,
        lineNo,
        `expected ${header.length} columns, got "${raw.slice(0, 80)}"`,
      );
    const id = (cols[iId] as string).trim();
    const date = (cols[iDate] as string).trim();
    const vs = (cols[iValue] as string).trim();
    if (id === '') throw new CsvInputError(file, lineNo, 'empty series_id');
    if (date === '') throw new CsvInputError(file, lineNo, 'empty date');
    const value = vs === '' ? Number.NaN : Number(vs);
    if (!Number.isFinite(value))
      throw new CsvInputError(file, lineNo, `value "${vs}" is not a number`);
    let rows = bySeries.get(id);
    if (!rows) {
      rows = [];
      bySeries.set(id, rows);
    }
    const key = dateKey(date);
    if (Number.isNaN(key))
      throw new CsvInputError(file, lineNo, `date "${date}" is not recognised`);
    rows.push({ date, key, value, line: lineNo });
  }
  const out: InputSeries[] = [];
  for (const [id, rows] of bySeries) {
    rows.sort((a, b) => a.key - b.key);
    for (let i = 1; i < rows.length; i++)
      if ((rows[i] as { key: number }).key === (rows[i - 1] as { key: number }).key)
        throw new CsvInputError(
          file,
          (rows[i] as { line: number }).line,
          `date ${(rows[i] as { date: string }).date} repeated in series "${id}"`,
        );
    out.push({
      id,
      dates: rows.map((r) => r.date),
      values: Float64Array.from(rows, (r) => r.value),
    });
  }
  return out;
}
