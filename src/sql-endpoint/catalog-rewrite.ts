/**
 * Rewrites the PostgreSQL-only syntax that catalog queries from psql and drivers use
 * into what the catalog's engine (DuckDB) accepts, on tokens, never inside strings or
 * comments:
 * - `pg_catalog.x` -> `x` (the catalog's own tables and macros shadow the engine's);
 * - `information_schema.x` -> `information_schema_x` (the catalog's versions);
 * - `OPERATOR(pg_catalog.~)` -> `~`; `COLLATE pg_catalog.default` -> nothing;
 * - `a ~ 'p'` (PostgreSQL: the pattern matches anywhere) -> `a ~ '.*(?:p).*'` (DuckDB's
 *   `~` matches the whole string), and `~*` -> case-insensitive;
 * - `'name'::regclass` -> the relation's oid; `current_user` -> a macro call;
 * - `generate_series(...) s` -> `generate_series(...) s(s)` (the alias names the value).
 */
import { identifierOf, type SqlToken, tokenize } from './sql-tokens.js';

/** Words after a table function that are not its alias. */
const KEYWORDS = new Set([
  'where',
  'join',
  'left',
  'right',
  'inner',
  'full',
  'cross',
  'on',
  'group',
  'order',
  'limit',
  'union',
  'except',
  'intersect',
  'with',
  'having',
  'window',
  'natural',
  'using',
  'offset',
]);

/** `sql` rewritten for the catalog; `oidOf` resolves a relation name for `::regclass`. */
export function rewriteCatalogSql(
  sql: string,
  oidOf: (name: string) => number | undefined,
): string {
  const t: SqlToken[] = tokenize(sql);
  const out: string[] = [];
  const at = (i: number, kind: SqlToken['kind'], text?: string) =>
    t[i]?.kind === kind && (text === undefined || t[i]!.text.toLowerCase() === text);
  /** Index of the next token that is not whitespace or a comment. */
  const skip = (i: number) => {
    let j = i;
    while (t[j] && (t[j]!.kind === 'space' || t[j]!.kind === 'comment')) j++;
    return j;
  };
  // generate_series(...) s: PostgreSQL lets `s` name the value; DuckDB needs s(s).
  for (let i = 0; i < t.length; i++) {
    const fn = identifierOf(t[i]!);
    if (
      t[i]!.kind !== 'word' ||
      (fn !== 'generate_series' && fn !== 'unnest') ||
      !at(i + 1, 'other', '(')
    )
      continue;
    let depth = 0;
    let j = i + 1;
    for (; j < t.length; j++) {
      if (at(j, 'other', '(')) depth++;
      else if (at(j, 'other', ')') && --depth === 0) break;
    }
    let k = skip(j + 1);
    if (t[k] && identifierOf(t[k]!) === 'as') k = skip(k + 1);
    const alias = t[k]?.kind === 'word' ? t[k]!.text : undefined;
    if (alias && !KEYWORDS.has(alias.toLowerCase()) && !at(skip(k + 1), 'other', '('))
      t.splice(k + 1, 0, { kind: 'other', text: `(${alias})` });
  }
  // OPERATOR(pg_catalog.~) -> ~ (as separate tokens, so the regex rewrite below applies)
  for (let i = 0; i < t.length; i++) {
    if (t[i]!.kind !== 'word' || t[i]!.text.toLowerCase() !== 'operator') continue;
    const open = skip(i + 1);
    if (!at(open, 'other', '(')) continue;
    let j = open + 1;
    const op: SqlToken[] = [];
    while (t[j] && !at(j, 'other', ')')) {
      if (t[j]!.kind === 'other' && t[j]!.text !== '.') op.push(t[j]!);
      j++;
    }
    t.splice(i, j - i + 1, { kind: 'space', text: ' ' }, ...op, { kind: 'space', text: ' ' });
  }
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    const name = identifierOf(tok);
    // pg_catalog.x -> x
    if (name === 'pg_catalog' && at(i + 1, 'other', '.')) {
      i++;
      continue;
    }
    if (name === 'information_schema' && at(i + 1, 'other', '.')) {
      const target = t[i + 2] ? identifierOf(t[i + 2]!) : undefined;
      if (target) {
        out.push(`information_schema_${target}`);
        i += 2;
        continue;
      }
    }
    // COLLATE pg_catalog.default / "default" / "C" -> nothing
    if (tok.kind === 'word' && tok.text.toLowerCase() === 'collate') {
      let j = skip(i + 1);
      if (identifierOf(t[j]!) === 'pg_catalog' && at(j + 1, 'other', '.')) j = j + 2;
      if (t[j] && identifierOf(t[j]!) !== undefined) {
        i = j;
        continue;
      }
    }
    if (
      tok.kind === 'word' &&
      (name === 'current_user' || name === 'session_user' || name === 'current_role') &&
      !at(skip(i + 1), 'other', '(') &&
      !at(i - 1, 'other', '.')
    ) {
      out.push(`"${name}"()`);
      continue;
    }
    // 'name'::regclass -> oid
    if (tok.kind === 'string' && at(i + 1, 'other', ':') && at(i + 2, 'other', ':')) {
      let j = i + 3;
      if (identifierOf(t[j]!) === 'pg_catalog' && at(j + 1, 'other', '.')) j += 2;
      if (identifierOf(t[j]!) === 'regclass') {
        const rel = tok.text
          .slice(1, -1)
          .replaceAll("''", "'")
          .replace(/^pg_catalog\./, '');
        out.push(String(oidOf(rel.replace(/^"|"$/g, '')) ?? 0));
        i = j;
        continue;
      }
    }
    // Regular-expression operators: PostgreSQL searches, DuckDB's ~ matches the whole string.
    if (tok.kind === 'other' && (tok.text === '~' || tok.text === '!')) {
      let j = i;
      let negate = false;
      if (tok.text === '!') {
        if (!at(i + 1, 'other', '~')) {
          out.push(tok.text);
          continue;
        }
        negate = true;
        j++;
      }
      let insensitive = false;
      if (at(j + 1, 'other', '*')) {
        insensitive = true;
        j++;
      }
      const k = skip(j + 1);
      const pattern = t[k];
      if (pattern?.kind === 'string' && !pattern.text.startsWith('$')) {
        const prefix = /^[eE]/.test(pattern.text) ? pattern.text[0] : '';
        const body = pattern.text.slice(prefix ? 2 : 1, -1);
        out.push(`${negate ? '!~' : '~'} ${prefix}'${insensitive ? '(?i)' : ''}.*(?:${body}).*'`);
        i = k;
        continue;
      }
      out.push(negate ? '!~' : '~'); // a pattern that is not a literal keeps DuckDB's meaning
      i = j;
      continue;
    }
    out.push(tok.text);
  }
  return out.join('');
}
