/**
 * For lake tests: an embedded stream that keeps everything (no retention, no trim timer),
 * connected, in `dir`.
 */
import { EmbeddedStream } from '../../stream/embedded/embedded-stream.js';

export async function openTestStream(
  dir: string,
  name: string,
  opts: { shards?: number; dedupeWindowMs?: number } = {},
): Promise<EmbeddedStream> {
  const s = new EmbeddedStream({
    dir,
    name,
    shards: opts.shards ?? 1,
    retentionMs: 10 * 365 * 86_400_000,
    dedupeWindowMs: opts.dedupeWindowMs ?? 0,
    trimIntervalMs: 0,
  });
  await s.connect();
  return s;
}
