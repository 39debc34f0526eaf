/**
 * Polls `fn` every `everyMs` until it returns something other than undefined, and
 * resolves that; rejects "timed out waiting for <what>" after `ms` (default 60 s).
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  ms = 60_000,
  everyMs = 200,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
