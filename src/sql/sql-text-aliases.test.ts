/**
 * A value rendered as text must not keep its column's name. PostgreSQL (and DuckDB) resolve
 * a bare name in ORDER BY or DISTINCT ON to an output column first, so `amount::text AS
 * amount ... ORDER BY amount` orders by the text: "100.64" before "87.15". That one trap
 * made the fare calendar, a market's cheapest and the route graph show dearer fares as the
 * cheapest (December 2026). Dates and times are exempt: their ISO text orders as they do.
 * The queries themselves are tested for the order (row-store-suite, graph-suite); this
 * keeps the shape from coming back in a query no test orders yet.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const src = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === 'vendor' || e.name === 'testing'
        ? []
        : sources(join(dir, e.name))
      : /\.(ts|sql)$/.test(e.name) && !/\.test\.ts$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

/** Names whose ISO text orders like the value: dates, days and timestamps. */
const ORDERS_AS_TEXT = /(^day$|date$|_at$|^at$)/;

/** `x::text AS x` or `f(x)::text AS x` (also varchar), with x not a date or time. */
export function textAliases(code: string): string[] {
  const found: string[] = [];
  const re = /\b(\w+)\)?\s*::\s*(?:text|varchar)\s+AS\s+(\w+)\b/gi;
  for (const m of code.matchAll(re)) {
    const [whole, column, alias] = m;
    if (column!.toLowerCase() === alias!.toLowerCase() && !ORDERS_AS_TEXT.test(alias!))
      found.push(whole!);
  }
  return found;
}

describe('SQL text aliases', () => {
  it('finds the shape it is meant to find', () => {
    assert.deepEqual(textAliases('SELECT amount::text AS amount, d FROM t ORDER BY amount'), [
      'amount::text AS amount',
    ]);
    assert.deepEqual(textAliases('SELECT min(total)::text AS total'), ['total)::text AS total']);
    assert.deepEqual(
      textAliases('SELECT amount::text AS amount_text, day::text AS day, seen_at::text AS seen_at'),
      [],
    );
  });

  it('no query renders a non-date value as text under its own name', () => {
    const offenders = sources(src).flatMap((f) =>
      textAliases(readFileSync(f, 'utf8')).map((a) => `${relative(src, f)}: ${a}`),
    );
    assert.deepEqual(
      offenders,
      [],
      'name the text otherwise (amount_text) and order by the column',
    );
  });
});
