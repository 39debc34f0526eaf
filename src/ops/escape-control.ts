/**
 * Escapes control characters (C0, DEL, C1: Unicode category Cc, NUL and ESC included) as
 * `\n`, `\r`, `\t` or `\uXXXX`, so that text from records (ids, codes, payload excerpts)
 * cannot forge log lines or drive a terminal when printed. Other text is left as is.
 */
const CONTROL = /\p{Cc}/gu;
const CONTROL_BUT_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/gu;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escaped(c: string): string {
  return NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `s` with every control character escaped; with `keepLineBreaks`, tab, CR and LF stay
 * (for formats such as quoted CSV fields that carry them safely).
 */
export function escapeControl(s: string, opts: { keepLineBreaks?: boolean } = {}): string {
  const re = opts.keepLineBreaks ? CONTROL_BUT_LINE_BREAKS : CONTROL;
  re.lastIndex = 0;
  return re.test(s) ? s.replace(re, escaped) : s;
}
