/**
 * The deepest nesting of elements in XML text, found by one scan of the bytes that stops
 * as soon as `limit` is passed (as jsonDepthExceeds does for JSON): refusing a payload
 * nested a million levels deep costs one pass, not a parse. An element's depth counts
 * it and its ancestors (a self-closing one included); declarations, processing
 * instructions, comments, CDATA and quoted attribute values do not count. UTF-16 (by byte-order mark or by a NUL beside the first `<`) is decoded first;
 * every other encoding the adapters read is ASCII-compatible, so its bytes are scanned as
 * they are. Text that is not XML gives a meaningless depth; the parser reports it.
 */
export function xmlDepthExceeds(body: Uint8Array, limit: number): boolean {
  const utf16 = utf16Of(body);
  const b = utf16 ? Buffer.from(new TextDecoder(utf16).decode(body), 'utf8') : body;
  let depth = 0;
  let i = 0;
  const n = b.length;
  /** Index just past the next occurrence of `end` from `from`, or n. */
  const past = (from: number, end: string): number => {
    const at = Buffer.prototype.indexOf.call(b, end, from) as number;
    return at < 0 ? n : at + end.length;
  };
  while (i < n) {
    const lt = b.indexOf(0x3c /* < */, i);
    if (lt < 0) break;
    const next = b[lt + 1];
    if (next === 0x2f /* / */) {
      depth--;
      i = past(lt + 2, '>');
    } else if (next === 0x3f /* ? */) i = past(lt + 2, '?>');
    else if (next === 0x21 /* ! */) {
      if (b[lt + 2] === 0x2d && b[lt + 3] === 0x2d) i = past(lt + 4, '-->');
      else if (b[lt + 2] === 0x5b /* [ */) i = past(lt + 3, ']]>');
      else i = past(lt + 2, '>');
    } else {
      // an opening tag: to its `>`, outside quoted attribute values
      let j = lt + 1;
      let quote = 0;
      for (; j < n; j++) {
        const c = b[j]!;
        if (quote) {
          if (c === quote) quote = 0;
        } else if (c === 0x22 || c === 0x27) quote = c;
        else if (c === 0x3e /* > */) break;
      }
      if (depth + 1 > limit) return true;
      // a self-closing element (`<b/>`) is as deep as its place, and closed at once
      if (b[j - 1] !== 0x2f /* / */) depth++;
      i = j + 1;
    }
  }
  return false;
}

/** The UTF-16 encoding of `b`, from its byte-order mark or a NUL beside its first `<`. */
function utf16Of(b: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  const lt = b.indexOf(0x3c);
  if (lt < 0) return undefined;
  if (b[lt + 1] === 0 && lt % 2 === 0) return 'utf-16le';
  if (lt > 0 && b[lt - 1] === 0 && lt % 2 === 1) return 'utf-16be';
  return undefined;
}
