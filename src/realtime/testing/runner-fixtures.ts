/** Helpers the real-time runner tests share: waiting on a condition, and a group's lag. */
import type { Stream } from '../../stream/stream.js';

/**
 * Polls `cond` every 10 ms; fails after `timeoutMs` (20 s by default) so a broken runner
 * cannot hang the suite.
 */
export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Records of `stream` that consumer `group` has not committed yet, over every shard. */
export async function pending(stream: Stream, group: string): Promise<number> {
  return (await stream.lag(group)).reduce((s, l) => s + l.records, 0);
}
