/**
 * The deepest nesting of arrays and objects in JSON (or NDJSON) text, found by one scan
 * of the bytes that stops as soon as `limit` is passed: the cost of refusing a payload
 * nested a million levels deep is one pass over its first `limit` brackets, not a parse.
 * Brackets inside strings do not count. Text that is not JSON gives a meaningless depth;
 * the parser reports it.
 */
export function jsonDepthExceeds(body: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}
