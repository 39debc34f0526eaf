/**
 * Character-level date and time checks for the canonical spellings, on ingest's hot path
 * (used by the record schema's rules in shopping-record.ts and by the fast path in
 * validate.ts). Each accepts a subset of what its regular-expression counterpart in
 * shopping-record.ts accepts, so `fast(s) || slow(s)` decides exactly as `slow(s)`; they
 * change no outcome, only the cost: the regular expressions, slices and Date round trips
 * they stand in for were a third of validation.
 */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at i as a number, or -1. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `YYYY-MM-DD` at the start of s is a real calendar date (as isRealDate). */
export function realDateAtStart(s: string): boolean {
  const hi = digits2(s, 0);
  const lo = digits2(s, 2);
  const m = digits2(s, 5);
  const d = digits2(s, 8);
  if (hi < 0 || lo < 0 || m < 1 || m > 12 || d < 1) return false;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const y = hi * 100 + lo;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!);
}

/** `THH:mm` at i (T, two digits, colon, two digits; the values are not range-checked). */
function clockAt(s: string, i: number, sep: number): boolean {
  return (
    s.charCodeAt(i) === sep &&
    digits2(s, i + 1) >= 0 &&
    s.charCodeAt(i + 3) === 58 &&
    digits2(s, i + 4) >= 0
  );
}

/** `YYYY-MM-DDTHH:mm` or `YYYY-MM-DDTHH:mm:ss` on a real date (a subset of isLocalDateTime). */
export function canonicalLocalDateTime(s: string): boolean {
  if (s.length === 19) {
    if (!clockAt(s, 13, 58) || digits2(s, 17) < 0) return false;
  } else if (s.length !== 16) return false;
  return clockAt(s, 10, 84) && realDateAtStart(s);
}

/**
 * `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real instant: what `new Date(s).toISOString()`
 * gives back unchanged (hours to 23, minutes and seconds to 59, a real date; Date would
 * roll a 30 February or a 24:00 over to the next day).
 */
export function canonicalInstant(s: string): boolean {
  return (
    s.length === 24 &&
    s.charCodeAt(23) === 90 &&
    s.charCodeAt(19) === 46 &&
    digits2(s, 20) >= 0 &&
    digits2(s, 21) >= 0 &&
    clockAt(s, 10, 84) &&
    s.charCodeAt(16) === 58 &&
    digits2(s, 11) <= 23 &&
    digits2(s, 14) <= 59 &&
    digits2(s, 17) >= 0 &&
    digits2(s, 17) <= 59 &&
    realDateAtStart(s)
  );
}
