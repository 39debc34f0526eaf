/**
 * Renders query results as text for the terminal or for other tools, streaming: rows
 * are written batch by batch, never collected whole (the table format sizes its columns
 * from the first batch only).
 */
import { escapeControl } from '../ops/escape-control.js';
import type { ResultColumn, Row } from './lake-query.js';

export const OUTPUT_FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where rendered text goes; resolves when it may take more (backpressure). */
export type TextSink = (chunk: string) => Promise<void>;

/** Rows the table format looks at to size its columns. */
const TABLE_SAMPLE_ROWS = 1000;
/** Widest a table cell is sized to; longer values overflow their column. */
const TABLE_MAX_WIDTH = 60;

/** A value as text: null empty, objects and arrays as JSON. */
function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A value as one line of a table: control characters (line breaks too) escaped. */
function cellText(v: unknown): string {
  return escapeControl(valueText(v));
}

/** A row as JSON with DEL and C1 escaped too (JSON.stringify escapes only C0). */
function jsonText(r: Row): string {
  return escapeControl(JSON.stringify(r));
}

/** A CSV field: quoted when needed; control characters but line breaks and tabs escaped. */
function csvField(v: unknown): string {
  const s = escapeControl(valueText(v), { keepLineBreaks: true });
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Writes `batches` with `columns` to `sink` in `format`; returns the number of rows written. */
export async function formatRows(
  format: OutputFormat,
  columns: readonly ResultColumn[],
  batches: AsyncIterable<Row[]>,
  sink: TextSink,
): Promise<number> {
  const names = columns.map((c) => c.name);
  let count = 0;
  switch (format) {
    case 'ndjson':
      for await (const rows of batches) {
        count += rows.length;
        await sink(rows.map((r) => `${jsonText(r)}\n`).join(''));
      }
      return count;
    case 'json': {
      await sink('[');
      for await (const rows of batches) {
        const body = rows.map(jsonText).join(',\n');
        await sink(`${count > 0 ? ',\n' : '\n'}${body}`);
        count += rows.length;
      }
      await sink(count > 0 ? '\n]\n' : ']\n');
      return count;
    }
    case 'csv':
      await sink(`${names.map(csvField).join(',')}\n`);
      for await (const rows of batches) {
        count += rows.length;
        await sink(rows.map((r) => `${names.map((n) => csvField(r[n])).join(',')}\n`).join(''));
      }
      return count;
    case 'table':
      return formatTable(columns, batches, sink);
  }
}

async function formatTable(
  columns: readonly ResultColumn[],
  batches: AsyncIterable<Row[]>,
  sink: TextSink,
): Promise<number> {
  const names = columns.map((c) => c.name);
  const numeric = columns.map((c) =>
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|DECIMAL)/.test(c.type),
  );
  const widths = names.map((n) => n.length);
  let sample: Row[] = [];
  let widthsFixed = false;
  let count = 0;
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()}\n`;
  const fix = async () => {
    widthsFixed = true;
    for (const r of sample)
      names.forEach((n, i) => {
        widths[i] = Math.min(TABLE_MAX_WIDTH, Math.max(widths[i]!, cellText(r[n]).length));
      });
    await sink(line(names));
    await sink(line(widths.map((w) => '-'.repeat(w))));
    await sink(sample.map((r) => line(names.map((n) => cellText(r[n])))).join(''));
    sample = [];
  };
  for await (const rows of batches) {
    count += rows.length;
    if (!widthsFixed) {
      sample.push(...rows);
      if (sample.length >= TABLE_SAMPLE_ROWS) await fix();
      continue;
    }
    await sink(rows.map((r) => line(names.map((n) => cellText(r[n])))).join(''));
  }
  if (!widthsFixed) await fix();
  await sink(`(${count} ${count === 1 ? 'row' : 'rows'})\n`);
  return count;
}
