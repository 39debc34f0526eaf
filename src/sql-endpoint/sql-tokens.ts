/**
 * A lexer for the parts of SQL text the wire layer must tell apart: string literals
 * (standard, E'', dollar-quoted), quoted identifiers, comments, `$n` parameters, words
 * and the rest. It never interprets SQL; it only lets the wire layer replace
 * parameters and rewrite catalog names without touching strings or comments.
 */

/** One lexical piece of a statement; concatenating every `text` gives back the input. */
export interface SqlToken {
  readonly kind: 'string' | 'quoted' | 'comment' | 'param' | 'word' | 'space' | 'other';
  readonly text: string;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

function quotedEnd(sql: string, from: number, quote: string, backslash: boolean): number {
  let i = from;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (backslash && ch === '\\') i += 2;
    else if (ch === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length; // unterminated: the engine reports it
}

/** Splits `sql` into tokens. */
export function tokenize(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  const push = (kind: SqlToken['kind'], end: number) => {
    out.push({ kind, text: sql.slice(i, end) });
    i = end;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(ch)) {
      let j = i + 1;
      while (j < sql.length && /\s/.test(sql[j]!)) j++;
      push('space', j);
    } else if (ch === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      push('comment', nl < 0 ? sql.length : nl);
    } else if (ch === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < sql.length && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      push('comment', j);
    } else if (ch === "'") {
      push('string', quotedEnd(sql, i + 1, "'", false));
    } else if ((ch === 'E' || ch === 'e') && next === "'") {
      push('string', quotedEnd(sql, i + 2, "'", true));
    } else if (ch === '"') {
      push('quoted', quotedEnd(sql, i + 1, '"', false));
    } else if (ch === '$' && next !== undefined && /[0-9]/.test(next)) {
      let j = i + 1;
      while (j < sql.length && /[0-9]/.test(sql[j]!)) j++;
      push('param', j);
    } else if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        push('string', close < 0 ? sql.length : close + tag[0].length);
      } else push('other', i + 1);
    } else if (WORD_START.test(ch)) {
      let j = i + 1;
      while (j < sql.length && WORD_CHAR.test(sql[j]!)) j++;
      push('word', j);
    } else push('other', i + 1);
  }
  return out;
}

/** The identifier a word or quoted token names (words fold to lower case), else undefined. */
export function identifierOf(t: SqlToken): string | undefined {
  if (t.kind === 'word') return t.text.toLowerCase();
  if (t.kind === 'quoted') return t.text.slice(1, -1).replaceAll('""', '"');
  return undefined;
}

/** True when `sql` is only whitespace, comments and semicolons. */
export function isEmptyStatement(sql: string): boolean {
  return tokenize(sql).every(
    (t) => t.kind === 'space' || t.kind === 'comment' || (t.kind === 'other' && t.text === ';'),
  );
}

/** The significant tokens (no whitespace or comments), for matching statement shapes. */
export function significant(sql: string): SqlToken[] {
  return tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
}
