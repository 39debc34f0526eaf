/**
 * The deepest nesting of arrays and objects in JSON (or NDJSON) text, found by one scan
 * of the bytes that stops as soon as `limit` is passed: the cost of refusing a payload
 * nested a million levels deep is one pass over its first `limit` brackets, not a parse.
 * Brackets inside strings do not count. Text that is not JSON gives a meaningless depth;
 * the parser reports it.
 *
 * Every accepted JSON body pays this scan before its parse, so it is written for speed
 * (`npm run bench -- json-depth`): inside a string only a quote or a backslash is looked
 * at, and `[`/`{` (0x5b/0x7b) and `]`/`}` (0x5d/0x7d) differ only in bit 0x20, so each
 * pair is one comparison.
 */
export function jsonDepthExceeds(body: Uint8Array, limit: number): boolean {
  const n = body.length;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = body[i++]!;
    if (c === 0x22 /* " */) {
      for (;;) {
        if (i >= n) return false;
        const d = body[i++]!;
        if (d === 0x22) break;
        if (d === 0x5c /* \ */) i++;
      }
    } else if ((c | 0x20) === 0x7b /* [ or { */) {
      if (++depth > limit) return true;
    } else if ((c | 0x20) === 0x7d /* ] or } */) depth--;
  }
  return false;
}
