/** What bisecting a failing batch found. */
export interface Isolation<T> {
  /** Items processed successfully (in some part of the batch). */
  succeeded: number;
  /** Items that failed on their own, with the error. */
  failed: { item: T; error: unknown }[];
}

/**
 * Bisects `items`, known to fail as a whole: processes each half, and when a half fails
 * its halves, recursively, down to single items (a single item is processed once). Returns how many succeeded and which single items failed. An
 * item's part may be processed more than once (processing must be idempotent). Stops
 * early (reporting the rest as failed with the abort reason) when `signal` aborts.
 */
export async function isolateFailures<T>(
  items: readonly T[],
  process: (part: readonly T[]) => Promise<void>,
  signal?: AbortSignal,
): Promise<Isolation<T>> {
  const out: Isolation<T> = { succeeded: 0, failed: [] };
  const visit = async (part: readonly T[]): Promise<void> => {
    if (part.length === 0) return;
    if (signal?.aborted) {
      for (const item of part) out.failed.push({ item, error: new Error('stopped') });
      return;
    }
    try {
      await process(part);
      out.succeeded += part.length;
    } catch (error) {
      if (part.length === 1) {
        out.failed.push({ item: part[0]!, error });
        return;
      }
      const mid = Math.ceil(part.length / 2);
      await visit(part.slice(0, mid));
      await visit(part.slice(mid));
    }
  };
  if (items.length <= 1) await visit(items);
  else {
    const mid = Math.ceil(items.length / 2);
    await visit(items.slice(0, mid));
    await visit(items.slice(mid));
  }
  return out;
}
